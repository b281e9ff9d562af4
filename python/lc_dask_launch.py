"""Processes of an lc session scheduler, started by the Node supervisor.

  scheduler  a TLS-only Dask scheduler; writes Dask's scheduler file and an activity file
             (busy/idle, registered workers) that the supervisor reads for idle timeout and
             readiness; on SIGTERM or SIGUSR2 retires its workers and exits. Its plugin keeps
             a task whose worker left from waiting for that worker (lc_scheduler_plugin.py).
  worker     one Dask worker advertising this node's cpus, memory (bytes) and gpus as plain
             numbers (all three keys always, so no task can ask for a key it lacks); in a pilot
             job it retires before the job's walltime (--lifetime).
  exec       exec a command (srun) after asking the kernel to SIGTERM it when the supervisor
             dies, so a kill -9 of the supervisor leaves nothing behind.

Only stable distributed APIs (Scheduler/Worker/Security, a WorkerPlugin subclass) are used:
2022.12 and current releases.
"""
import argparse
import asyncio
import ctypes
import json
import math
import os
import random
import signal
import socket
import sys
import time

import lc_network
import lc_warnings

PR_SET_PDEATHSIG = 1


def die_with_parent(sig=signal.SIGTERM):
    """Linux: deliver `sig` to this process when its parent dies (survives exec)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def security(tls_dir):
    from distributed.security import Security

    return Security(
        tls_ca_file=os.path.join(tls_dir, "ca.pem"),
        tls_scheduler_cert=os.path.join(tls_dir, "cert.pem"),
        tls_scheduler_key=os.path.join(tls_dir, "key.pem"),
        tls_worker_cert=os.path.join(tls_dir, "cert.pem"),
        tls_worker_key=os.path.join(tls_dir, "key.pem"),
        tls_client_cert=os.path.join(tls_dir, "cert.pem"),
        tls_client_key=os.path.join(tls_dir, "key.pem"),
        require_encryption=True,
    )


def write_json_atomic(path, doc):
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _mem_bytes(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    text = text.strip().upper()
    if text and text[-1] in units:
        return float(text[:-1]) * units[text[-1]]
    return float(text) * (1 << 20)  # SLURM's default unit: MiB


def slurm_job_memory(job_id, cpus):
    """Memory of this job on a node when SLURM exported none (DefMemPerCPU): ask scontrol."""
    import re
    import subprocess

    try:
        out = subprocess.run(["scontrol", "show", "job", "-o", job_id], capture_output=True,
                             text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    m = re.search(r"\bMinMemoryNode=(\S+)", out)
    if m and m.group(1) not in ("0", "0M"):
        return _mem_bytes(m.group(1))
    m = re.search(r"\bMinMemoryCPU=(\S+)", out)
    if m and m.group(1) not in ("0", "0M"):
        return _mem_bytes(m.group(1)) * cpus
    return 0


def node_resources(args):
    """cpus / memory bytes / gpus of this node: explicit flags, else SLURM's view, else the OS."""
    env = os.environ
    cpus = args.cpus or float(env.get("SLURM_CPUS_ON_NODE") or 0) or float(len(os.sched_getaffinity(0)))
    mem = args.memory
    if not mem and env.get("SLURM_MEM_PER_NODE"):
        mem = float(env["SLURM_MEM_PER_NODE"]) * 1024 * 1024  # SLURM's "MB" are MiB
    if not mem and env.get("SLURM_MEM_PER_CPU"):
        mem = float(env["SLURM_MEM_PER_CPU"]) * 1024 * 1024 * cpus
    if not mem and env.get("SLURM_JOB_ID"):
        mem = slurm_job_memory(env["SLURM_JOB_ID"], cpus)
    if not mem:
        import psutil

        mem = float(psutil.virtual_memory().total)
    gpus = args.gpus
    if gpus is None:
        gpus = float(env.get("SLURM_GPUS_ON_NODE") or 0)
        if not gpus and env.get("CUDA_VISIBLE_DEVICES"):
            gpus = float(len([d for d in env["CUDA_VISIBLE_DEVICES"].split(",") if d.strip()]))
    return {"cpus": float(cpus), "memory": float(int(mem)), "gpus": float(gpus or 0)}


def listen_on(args):
    """Scheduler/Worker keywords for where to listen: --interface, --host, or this node's address
    as the rest of the job reaches it (never a name that resolves to loopback)."""
    if args.interface:
        return {"interface": args.interface}
    host = args.host or lc_network.reachable_host()
    if host is None:
        sys.exit(f"lc: no address of {socket.gethostname()} other than loopback is known; "
                 "set scheduler.interface in .lightcone/lightcone.yaml (or LC_SCHEDULER_INTERFACE)")
    return {"host": host}


UNFINISHED = ("released", "waiting", "no-worker", "queued", "processing")


QUEUE_PREFIX = "lc-queue-"
# more than a worker could ever run at once: the resource marks the queue, cpus limit the tasks
QUEUE_AMOUNT = 1_000_000.0
# A pilot's worker advertises when it retires (epoch seconds) under this resource key.
RETIRES_AT = "lc-retires-at"


def demand(s):
    """Tasks not finished yet and the cpus/gpus they ask for: what pilot jobs are sized to; in
    all, and per queue (its lc-queue-<name> resource; "" for a task that names none)."""
    total = {"tasks": 0, "cpus": 0.0, "gpus": 0.0}
    queues = {}
    for ts in s.tasks.values():
        if ts.state not in UNFINISHED:
            continue
        r = ts.resource_restrictions or {}
        q = next((k[len(QUEUE_PREFIX):] for k in r if k.startswith(QUEUE_PREFIX)), "")
        per = queues.setdefault(q, {"tasks": 0, "cpus": 0.0, "gpus": 0.0})
        for d in (total, per):
            d["tasks"] += 1
            d["cpus"] += float(r.get("cpus", 1))
            d["gpus"] += float(r.get("gpus", 0))
    return {**total, "queues": queues}


async def run_scheduler(args):
    from distributed import Scheduler
    from lc_scheduler_plugin import ForgetLostWorkers

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    # SIGUSR2: the stop that reaches a scheduler in an srun step (srun answers SIGTERM by
    # killing the step at once, but forwards SIGUSR2 to it)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR2):
        loop.add_signal_handler(s, stop.set)
    async with Scheduler(
        port=0, protocol="tls", security=security(args.tls_dir), **listen_on(args),
        scheduler_file=args.scheduler_file, dashboard=False, dashboard_address=None,
    ) as s:
        s.add_plugin(ForgetLostWorkers())
        last = None
        idle_since = time.time() * 1000.0
        while not stop.is_set():
            busy = len(s.tasks) > 0
            now = time.time() * 1000.0
            if busy:
                idle_since = None
            elif idle_since is None:
                idle_since = now
            workers = sorted(
                ({"name": str(ws.name), "address": ws.address, "resources": dict(ws.resources or {})}
                 for ws in s.workers.values()),
                key=lambda w: w["name"],
            )
            doc = {"version": 1, "busy": busy, "idleSince": idle_since, "workers": workers,
                   "demand": demand(s)}
            if doc != last:
                write_json_atomic(args.activity_file, doc)
                last = doc
            try:
                await asyncio.wait_for(stop.wait(), 0.5)
            except asyncio.TimeoutError:
                pass
        # graceful: workers exit on their own (srun step ends cleanly), then the scheduler closes
        if s.workers:
            try:
                await asyncio.wait_for(
                    s.retire_workers(workers=list(s.workers), close_workers=True, remove=True), 15
                )
            except Exception as e:  # noqa: BLE001 - shutting down anyway
                print(f"lc-scheduler: retiring workers failed: {e!r}", file=sys.stderr)


async def run_worker(args):
    # a pilot job's workers add its job id: two pilots on one node are two workers
    name = (args.name or os.environ.get("SLURMD_NODENAME") or socket.gethostname()) + (args.name_suffix or "")
    with open(args.scheduler_file) as f:
        address = json.load(f)["address"]
    # before anything slow: fail in seconds, with a record the supervisor turns into one message
    why = lc_network.check_reachable(address, args.tls_dir)
    if why is not None:
        lc_network.report_unreachable(os.path.dirname(args.scheduler_file), name, address, why)
        print(f"lc-worker {name}: cannot reach the Dask scheduler at {address}: {why}", file=sys.stderr)
        return 3
    from distributed import Worker
    from lc_worker_plugin import KillTasksOnClose, kill_running_tasks

    res = node_resources(args)
    if args.queue:
        # a pilot's worker takes only its queue's tasks (each asks for one unit of it)
        res[QUEUE_PREFIX + args.queue] = QUEUE_AMOUNT
    retire = lifetime(args)
    if retire:
        # when it retires, for lc to place no task there that would not end before (no task
        # asks for this key, so it limits nothing)
        res[RETIRES_AT] = time.time() + retire["lifetime"]
    where = listen_on(args)
    # threads only bound concurrency from above; the cpus resource is what really limits it,
    # and fractional cpu requests need more threads than cores
    nthreads = max(4, int(math.ceil(res["cpus"])) * 4)
    local_dir = os.path.join(args.local_directory, name)
    os.makedirs(local_dir, exist_ok=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)
    async with Worker(
        scheduler_file=args.scheduler_file, nthreads=nthreads, resources=res,
        memory_limit=int(res["memory"]), name=name, protocol="tls", **where,
        security=security(args.tls_dir), local_directory=local_dir, dashboard=False,
        death_timeout=args.death_timeout, plugins=(KillTasksOnClose(),), **retire,
    ) as w:
        finished = asyncio.ensure_future(w.finished())
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait([finished, stopped], return_when=asyncio.FIRST_COMPLETED)
            if stopped.done():
                await w.close()
        finally:
            kill_running_tasks()


def lifetime(args):
    """A pilot's worker retires before its job's walltime (staggered, so they do not all go at
    once). The lifetime counts from the job's start (--lifetime-start), as the walltime does:
    the time srun and the imports took (a minute on a busy shared filesystem) is already spent."""
    if not args.lifetime:
        return {}
    left = args.lifetime
    if args.lifetime_start:
        left -= max(0.0, time.time() - args.lifetime_start)
    if left <= 0:
        print(f"lc-worker: started {args.lifetime - left:.0f} s into its job, after its lifetime "
              f"({args.lifetime:.0f} s): it retires at once", file=sys.stderr)
    left = max(left, 1.0)
    # the stagger never brings the retirement forward to (or past) the start; drawn here, not
    # by Dask, so that the worker can say when it retires
    stagger = min(args.lifetime_stagger or 0, left / 2)
    left += random.uniform(-stagger, stagger)
    return {"lifetime": left, "lifetime_stagger": 0, "lifetime_restart": False}


def main(argv):
    lc_warnings.install()
    p = argparse.ArgumentParser(prog="lc_dask_launch")
    sub = p.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("scheduler")
    sp.add_argument("--host")
    sp.add_argument("--interface")
    sp.add_argument("--tls-dir", required=True)
    sp.add_argument("--scheduler-file", required=True)
    sp.add_argument("--activity-file", required=True)
    wp = sub.add_parser("worker")
    wp.add_argument("--scheduler-file", required=True)
    wp.add_argument("--tls-dir", required=True)
    wp.add_argument("--local-directory", required=True)
    wp.add_argument("--name")
    wp.add_argument("--host")
    wp.add_argument("--interface")
    wp.add_argument("--cpus", type=float)
    wp.add_argument("--memory", type=float)
    wp.add_argument("--gpus", type=float)
    wp.add_argument("--death-timeout", type=float, default=60.0)
    wp.add_argument("--die-with-parent", action="store_true")
    wp.add_argument("--name-suffix")
    wp.add_argument("--queue", help="the pilot queue whose tasks this worker takes")
    wp.add_argument("--lifetime", type=float, help="seconds until the worker retires")
    wp.add_argument("--lifetime-stagger", type=float)
    wp.add_argument("--lifetime-start", type=float, help="epoch seconds the lifetime counts from")
    ep = sub.add_parser("exec")
    ep.add_argument("argv", nargs=argparse.REMAINDER)
    args = p.parse_args(argv)
    if args.cmd == "exec":
        cmd = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
        die_with_parent()
        os.execvp(cmd[0], cmd)
    if args.cmd == "scheduler":
        die_with_parent()
        asyncio.run(run_scheduler(args))
    elif args.cmd == "worker":
        if args.die_with_parent:
            die_with_parent()
        return asyncio.run(run_worker(args)) or 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
