"""Functions that run INSIDE a Dask worker process on behalf of `lc`.

They are shipped to workers by value (cloudpickle), so workers started by someone else
(DASK_SCHEDULER_ADDRESS) need nothing of lc installed. Keep this module self-contained:
standard library plus psutil (a dependency of distributed) and distributed itself.

State shared between calls on one worker (running tasks, CPU samples) lives in a module
object registered in sys.modules, because by-value functions unpickled separately do not
share their globals.
"""
import datetime
import json
import math
import os
import signal
import socket
import shutil
import subprocess
import sys
import threading
import time
import types

_REGISTRY_NAME = "_lc_worker_registry"
# Variables that describe the machine lc runs on, not the node the task lands on.
_HOST_SPECIFIC_ENV = (
    "HOSTNAME", "PWD", "OLDPWD", "SHLVL", "_", "SLURMD_NODENAME", "SLURM_NODEID",
    "SLURM_PROCID", "SLURM_LOCALID", "SLURM_TOPOLOGY_ADDR", "CUDA_VISIBLE_DEVICES",
    "SLURM_STEP_ID", "SLURM_STEPID", "SLURM_TASK_PID", "SLURM_CPUS_ON_NODE",
    "SLURM_GTIDS", "SLURM_LAUNCH_NODE_IPADDR", "SLURM_SRUN_COMM_HOST", "SLURM_SRUN_COMM_PORT",
    "SLURM_STEP_NODELIST", "SLURM_STEP_NUM_NODES", "SLURM_STEP_NUM_TASKS",
    "SLURM_STEP_TASKS_PER_NODE", "SLURM_STEP_LAUNCHER_PORT",
)
TAIL_LINES = 20
TAIL_BYTES = 8192


def _open_log(log_path):
    """The attempt's log, for appending. lc made its directory already where the scratch is
    shared (every site lc targets); on a node that does not see it yet, it is made here."""
    try:
        return open(log_path, "ab")
    except FileNotFoundError:
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
        return open(log_path, "ab")


def _clear_outdir(outdir):
    """Remove what an earlier, cut-off run of this attempt left in the output directory, as lc
    empties it before a first run."""
    if not outdir or not os.path.isdir(outdir):
        return
    for name in os.listdir(outdir):
        path = os.path.join(outdir, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass


def _log_header(spec, host, started, again):
    """The lines every run of an attempt starts its log with, as engine/executors/log-header.ts
    writes them for the local executor (lc leaves them out of the lines it shows)."""
    at = datetime.datetime.fromtimestamp(started, datetime.timezone.utc).isoformat(timespec="milliseconds")
    note = " again" if again else ""
    why = " (an earlier run of this attempt was cut off; what it left in the output directory was removed)" if again else ""
    command = spec["command"].replace("\n", "\n# > ")
    return f"# lc: {spec.get('id', spec['key'])}{note} on {host} at {at.replace('+00:00', 'Z')}{why}\n# $ {command}\n".encode()


def _worker_closing(reg, wait_s=3.0):
    """Whether this task's worker is going away. A signal lc did not send (the task died of it,
    or its shell exited 128+N) may come from the same event that ends the worker: scancel and
    the walltime signal the whole job step, the task included, while the worker is still about
    to close. Wait a moment for the worker to say so."""
    deadline = time.time() + wait_s
    while True:
        if getattr(reg, "closing", False):
            return True
        if time.time() >= deadline:
            return False
        time.sleep(0.05)


def _registry():
    reg = sys.modules.get(_REGISTRY_NAME)
    if reg is None:
        reg = types.ModuleType(_REGISTRY_NAME)
        sys.modules[_REGISTRY_NAME] = reg
    # fill in lazily: a worker may hold a registry made by an older lc
    defaults = {
        "lock": threading.Lock,
        "running": dict,  # dask key -> record dict
        "cpu_prev": lambda: None,  # (wall, cpu seconds of the tree) at the previous sample
        "cancelled": dict,  # dask key -> time: cancelled before it started here (bounded)
        "gpu_ids": lambda: None,  # this node's GPU ids, when known
        "gpu_busy": set,  # GPU ids held by running tasks
    }
    for name, make in defaults.items():
        if not hasattr(reg, name):
            setattr(reg, name, make())
    return reg


def _killpg(pgid, sig):
    try:
        os.killpg(pgid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def _stop_group(rec, reason, grace_s):
    """SIGTERM the task's process group now, SIGKILL it after the grace period."""
    with _registry().lock:
        if rec.get("stop_reason") is None:
            rec["stop_reason"] = reason
    _killpg(rec["pgid"], signal.SIGTERM)

    def escalate():
        if not rec.get("done"):
            _killpg(rec["pgid"], signal.SIGKILL)

    t = threading.Timer(grace_s, escalate)
    t.daemon = True
    t.start()
    rec["timers"].append(t)


def _read_tail(path, offset):
    try:
        with open(path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            start = max(offset, size - TAIL_BYTES)
            f.seek(start)
            data = f.read()
    except OSError:
        return []
    lines = data.decode("utf-8", "replace").splitlines()
    if start > offset and lines:
        lines = lines[1:]  # first line is probably cut
    return lines[-TAIL_LINES:]


def _spec_env(spec):
    """lc's environment (JSON text, see the bridge's Session) with the task's variables over it."""
    base = spec.get("baseEnv")
    env = json.loads(base) if isinstance(base, str) else {}
    env.update(spec.get("env") or {})
    return env


def _task_env(extra, cpus, gpu_ids):
    """The worker's environment, then lc's (except what describes lc's own machine or SLURM
    step: the worker is in the same allocation and knows its node better), then the task's."""
    env = dict(os.environ)
    for k, v in extra.items():
        if k in _HOST_SPECIFIC_ENV or k.startswith("SLURM"):
            continue
        env[k] = v
    threads = str(max(1, math.ceil(float(cpus or 1))))
    env["LIGHTCONE_CPUS"] = threads
    # keep numeric libraries from starting one thread per core of the node
    if "OMP_NUM_THREADS" not in extra and "OMP_NUM_THREADS" not in os.environ:
        env["OMP_NUM_THREADS"] = threads
    if gpu_ids is not None:
        # a task that asked for no GPU must not grab one another task was given
        env["CUDA_VISIBLE_DEVICES"] = ",".join(gpu_ids)
    return env


def _node_gpu_ids(reg):
    if reg.gpu_ids is None:
        visible = os.environ.get("CUDA_VISIBLE_DEVICES")
        if visible:
            reg.gpu_ids = [d.strip() for d in visible.split(",") if d.strip()]
        else:
            n = int(float(os.environ.get("SLURM_GPUS_ON_NODE") or 0))
            reg.gpu_ids = [str(i) for i in range(n)]
    return reg.gpu_ids


def _take_gpus(reg, n):
    """GPU ids for a task (Dask counted them; this decides WHICH), or None on a GPU-less node."""
    ids = _node_gpu_ids(reg)
    if not ids:
        return None
    with reg.lock:  # reserve under the lock: two tasks starting together must differ
        free = [g for g in ids if g not in reg.gpu_busy]
        taken = free[: int(math.ceil(n))] if n else []
        reg.gpu_busy.update(taken)
        return taken


def _give_back_gpus(reg, taken):
    if taken:
        with reg.lock:
            reg.gpu_busy.difference_update(taken)


def run_shell(spec):
    """Run one shell command in its own process group; the log goes straight to spec['logPath'].

    Returns a plain dict (msgpack/pickle friendly): exit code, signal, why it ended, host,
    epoch-ms timings, CPU seconds (from wait4 rusage: the whole waited-for tree) and the log tail.
    """
    host = socket.gethostname()
    started = time.time()
    key = spec["key"]
    try:
        from distributed import get_worker

        worker = get_worker()
    except Exception:  # not inside a worker (direct test): no start event
        worker = None
    log_path = spec["logPath"]
    reg = _registry()
    with reg.lock:
        cancelled_early = reg.cancelled.pop(key, None) is not None
    result = {"host": host, "startedAt": started * 1000.0, "signal": None, "exitCode": None,
              "reason": "exit", "cpuS": None, "tail": [], "detail": None}
    try:
        log = _open_log(log_path)
    except OSError as e:
        result.update(reason="spawn_error", detail=f"cannot open log {log_path}: {e}",
                      finishedAt=time.time() * 1000.0)
        return result
    if cancelled_early:
        log.close()
        result.update(reason="cancelled", detail="cancelled before it started", finishedAt=time.time() * 1000.0)
        return result
    # Every run writes the header first, so a log with something in it means an earlier run of
    # this very attempt started here or elsewhere: its worker was lost and Dask runs it again.
    # (A file marking the run instead cost a create and an unlink per task on the shared file
    # system: two metadata round trips on Lustre.)
    again = log.seek(0, os.SEEK_END) > 0
    if again:
        _clear_outdir((spec.get("env") or {}).get("LIGHTCONE_OUTDIR"))
    try:
        log.write(_log_header(spec, host, started, again))
        log.flush()
    except OSError as e:
        log.close()
        result.update(reason="spawn_error", detail=f"cannot write log {log_path}: {e}", finishedAt=time.time() * 1000.0)
        return result
    offset = log.tell()
    res = spec.get("resources") or {}
    gpu_ids = _take_gpus(reg, float(res.get("gpus") or 0))
    try:
        proc = subprocess.Popen(
            ["/bin/sh", "-c", spec["command"]], cwd=spec["cwd"],
            env=_task_env(_spec_env(spec), res.get("cpus"), gpu_ids),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    except OSError as e:
        log.close()
        _give_back_gpus(reg, gpu_ids)
        result.update(reason="spawn_error", detail=str(e), finishedAt=time.time() * 1000.0)
        return result
    finally:
        if worker is not None and spec.get("topic"):
            worker.log_event(spec["topic"], {"key": key, "host": host, "startedAt": started * 1000.0})
    log.close()
    grace = float(spec.get("graceS") or 5.0)
    rec = {"grace": grace, "pgid": proc.pid, "timers": [], "stop_reason": None, "done": False,
           "resources": res, "id": spec.get("id", key), "gpu_ids": gpu_ids or []}
    with reg.lock:
        reg.running[key] = rec
        # a cancel that came while it was starting found it neither running nor to come: honour it
        cancelled_late = reg.cancelled.pop(key, None) is not None
    if cancelled_late:
        _stop_group(rec, "cancelled", grace)
    if spec.get("timeLimitS"):
        t = threading.Timer(float(spec["timeLimitS"]), _stop_group, (rec, "time_limit", grace))
        t.daemon = True
        t.start()
        rec["timers"].append(t)
    try:
        # wait4 instead of Popen.wait: its rusage counts every descendant the shell waited for.
        while True:
            try:
                _, status, usage = os.wait4(proc.pid, 0)
                break
            except InterruptedError:
                continue
        proc.returncode = 0  # reaped by hand; keeps Popen from waiting again
        result["cpuS"] = usage.ru_utime + usage.ru_stime
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            try:
                result["signal"] = signal.Signals(sig).name
            except ValueError:
                result["signal"] = str(sig)
            result["reason"] = "signal"
        else:
            result["exitCode"] = os.WEXITSTATUS(status)
    finally:
        rec["done"] = True
        for t in rec["timers"]:
            t.cancel()
        # nothing of the task may outlive it: background jobs left in its group die with it
        if _killpg(rec["pgid"], signal.SIGKILL):
            deadline = time.time() + 0.5  # give the kernel a moment (zombies keep the group)
            while time.time() < deadline and _killpg(rec["pgid"], 0):
                time.sleep(0.01)
        with reg.lock:
            reg.running.pop(key, None)
        _give_back_gpus(reg, gpu_ids)
    if rec["stop_reason"] is not None:
        result["reason"] = rec["stop_reason"]
    elif (result["signal"] is not None or (result["exitCode"] or 0) > 128) and _worker_closing(reg):
        # killed because its worker is going away (a pilot job ending, a worker retiring), not
        # because lc or a time limit asked: Dask runs it again on another worker
        from distributed import Reschedule

        raise Reschedule()
    result["finishedAt"] = time.time() * 1000.0
    result["tail"] = _read_tail(log_path, offset)
    if worker is not None and spec.get("topic"):
        # pushed to the bridge through the scheduler: saves a gather round trip per task
        worker.log_event(spec["topic"], {"key": key, "result": result})
    return result


def cancel_task(key, force=False):
    """Stop a running task by its Dask key on this worker. True when it was running here."""
    reg = _registry()
    with reg.lock:
        rec = reg.running.get(key)
        if rec is None:
            # it may still start here after this call: remember, so run_shell refuses it
            reg.cancelled[key] = time.time()
            if len(reg.cancelled) > 10000:
                for k in sorted(reg.cancelled, key=reg.cancelled.get)[:5000]:
                    reg.cancelled.pop(k, None)
    if rec is None:
        return False
    if force:
        with reg.lock:
            if rec.get("stop_reason") is None:
                rec["stop_reason"] = "cancelled"
        _killpg(rec["pgid"], signal.SIGKILL)
    else:
        _stop_group(rec, "cancelled", rec["grace"])
    return True


def _gpu_percent():
    """Per-GPU utilisation via nvidia-smi when present; [] otherwise (no GPU, no driver)."""
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits"],
            capture_output=True, text=True, timeout=2,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    if out.returncode != 0:
        return []
    vals = []
    for line in out.stdout.splitlines():
        try:
            vals.append(float(line.strip()))
        except ValueError:
            pass
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible:
        idx = [int(x) for x in visible.split(",") if x.strip().isdigit()]
        vals = [vals[i] for i in idx if i < len(vals)] or vals
    return vals


def node_stats(dask_worker=None):
    """Utilisation of this worker's WHOLE process tree (Dask's own metrics miss subprocesses).

    CPU% is relative to the worker's advertised cpus, from the change in cumulative CPU time
    since the previous call: the worker's own times + its reaped children's + every live
    descendant's (with their reaped children's), so short tasks that ended between samples count.
    """
    import psutil

    reg = _registry()
    me = psutil.Process(os.getpid())
    now = time.time()
    cpu = 0.0
    rss = 0
    try:
        procs = [me] + me.children(recursive=True)
    except psutil.Error:
        procs = [me]
    for p in procs:
        try:
            with p.oneshot():
                t = p.cpu_times()
                cpu += t.user + t.system + getattr(t, "children_user", 0.0) + getattr(t, "children_system", 0.0)
                rss += p.memory_info().rss
        except psutil.Error:
            pass
    resources = {}
    if dask_worker is not None:
        # Worker.state holds it in every supported release (2022.12 on); Worker.total_resources
        # is a deprecated alias that warns and will go
        resources = dict(dask_worker.state.total_resources or {})
    cpus_total = float(resources.get("cpus") or (dask_worker.nthreads if dask_worker else os.cpu_count() or 1))
    prev = reg.cpu_prev
    reg.cpu_prev = (now, cpu)
    pct = 0.0
    if prev is not None and now > prev[0]:
        pct = max(0.0, (cpu - prev[1]) / (now - prev[0]) / max(cpus_total, 1e-9) * 100.0)
    with reg.lock:
        running = list(reg.running.values())
    in_use = {"cpus": 0.0, "gpus": 0.0}
    for rec in running:
        for k in in_use:
            in_use[k] += float(rec["resources"].get(k, 0) or 0)
    mem_total = float(resources.get("memory") or 0) or float(psutil.virtual_memory().total)
    gpus_total = float(resources.get("gpus") or 0)
    return {
        "host": socket.gethostname(),
        "cpuPercent": min(pct, 100.0),
        "memoryUsedBytes": rss,
        "memoryTotalBytes": mem_total,
        "gpuPercent": _gpu_percent() if gpus_total > 0 else [],
        "runningTasks": [rec["id"] for rec in running],
        "cpusInUse": in_use["cpus"],
        "cpusTotal": cpus_total,
        "gpusInUse": in_use["gpus"],
        "gpusTotal": gpus_total,
    }
