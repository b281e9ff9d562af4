"""The bridge between `lc` (Node) and a Dask scheduler: JSON lines in both directions.

Two transports, one protocol:
  stdio   `lc_dask_bridge.py stdio (--scheduler-file F | --address A) [--tls-dir D]`: one
          session on stdin/stdout (used when no warm bridge is reachable, e.g. external mode).
  serve   `lc_dask_bridge.py serve --socket S --scheduler-file F --tls-dir D`: started by the
          session supervisor, already connected; every `lc run` attaches over a unix socket in
          the 0700 state dir, which saves the ~0.5 s Python + distributed import per run.

Requests (Node -> bridge), one JSON object per line:
  {"op":"submit","id","command","cwd","env","resources":{"cpus","memory","gpus"},"logPath",
   "timeLimitS"?,"graceS"?}
  {"op":"cancel","id","force"?}
  {"op":"env","env"}    lc's environment: the base of every task's (the worker drops SLURM_*
                        and host-specific variables: it knows its node better)
  {"op":"capacity"|"utilisation"|"info"|"retire","rid"}
Messages (bridge -> Node):
  {"type":"ready","address","distributed","python","workers"}
  {"type":"started","id","host","startedAt",("again")}   again: run once more after its worker was lost
  {"type":"stopping"}   the session scheduler is being stopped (`serve` got SIGUSR1 from the
                        supervisor): this session's tasks are cancelled now, their results
                        follow, then the connection ends
  {"type":"result","id","host","startedAt","finishedAt","exitCode","signal","reason","detail","cpuS","tail"}
  {"type":"reply","rid","ok",("data"|"error")}
  {"type":"fatal","code","message","hint"}   then exit
Submits that arrive together go to Dask together (one client.map per resources and worker), in
order with the requests around them; an id already submitted, or twice in one batch, is
refused (result `spawn_error`). A closed connection cancels that session's tasks (their
process groups are killed).
Task output never crosses the bridge: the worker writes the log file (shared filesystem) and
the Node side tails it; results carry the last lines as a fallback.
"""
import argparse
import asyncio
import itertools
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

BRIDGE_PROTOCOL = 1
_session_ids = itertools.count(1)


def emit_fatal(code, message, hint=None):
    sys.stdout.write(json.dumps({"type": "fatal", "code": code, "message": message, "hint": hint}) + "\n")
    sys.stdout.flush()


import lc_warnings  # noqa: E402 - before Dask, so deprecations in what follows are caught

lc_warnings.install()

try:
    import dask
    import distributed
    from distributed import Client
except Exception as e:  # ImportError, or a broken install: never a traceback
    emit_fatal("DASK_MISSING", f"{sys.executable} cannot import distributed: {e}",
               "apt-get install python3-distributed (Debian) or pip install distributed")
    sys.exit(3)

import lc_dask_task  # noqa: E402

# Every submit would otherwise read the caller's source code for the dashboard's
# "computations" list: ~1.5 ms of CPU per task here. Newer releases honour nframes=0;
# 2022.12 skips frames of ignored modules, and ".*" ignores them all.
# A batch of submits (client.map) carries each task's command and environment: a few MB for a
# big batch, which is no data to load "with Dask directly", as that warning would advise.
dask.config.set({
    "distributed.diagnostics.computations.ignore-modules": [".*"],
    "distributed.diagnostics.computations.nframes": 0,
    "distributed.admin.large-graph-warning-threshold": "1GB",
})

try:  # ship worker-side code by value: external workers need nothing of lc installed
    import cloudpickle

    cloudpickle.register_pickle_by_value(lc_dask_task)
except Exception:  # old cloudpickle: workers must be able to import lc_dask_task
    pass


def _shipped_by_value(fn):
    """`fn` wrapped so that Dask can only pickle it with cloudpickle, hence by value.

    Since 2023 Dask pickles a submitted task whole, with plain pickle first, which stores a
    module-level function by reference: an external scheduler then fails to unpickle the task
    ("No module named 'lc_dask_task'"). A function made at run time has no importable name, so
    plain pickle refuses it and Dask falls back to cloudpickle for the task, which ships
    lc_dask_task's code by value (registered above). Made once, so 2022.12's per-function
    pickle cache still hits. It costs ~0.5 ms and ~16 KB per task, so lc's own session
    scheduler, whose processes import lc_dask_task from lc's python/ directory, gets the plain
    function."""

    def run(*args):
        return fn(*args)

    return run


RUN_SHELL = _shipped_by_value(lc_dask_task.run_shell)


def make_security(tls_dir):
    if not tls_dir:
        return None  # external scheduler: Dask's own configuration decides
    from distributed.security import Security

    return Security(
        tls_ca_file=os.path.join(tls_dir, "ca.pem"),
        tls_client_cert=os.path.join(tls_dir, "cert.pem"),
        tls_client_key=os.path.join(tls_dir, "key.pem"),
        require_encryption=True,
    )


class Cluster:
    """The one Client of this bridge process, plus what sessions share (start events, workers)."""

    def __init__(self, client, own):
        self.client = client
        # lc's session scheduler (TLS, started by lc_dask_launch.py) or an external one
        self.run_shell = lc_dask_task.run_shell if own else RUN_SHELL
        self.sessions = {}  # key prefix -> Session
        self.topic = f"lc-events-{os.getpid()}-{int(time.time() * 1000)}"
        self.workers = {}
        self.workers_at = 0.0
        self.stopping = False
        client.subscribe_topic(self.topic, self.on_event)

    def on_event(self, event):
        msg = event[1] if isinstance(event, (tuple, list)) else event
        key = msg.get("key", "")
        sess = self.sessions.get(key.split("/", 1)[0])
        if sess is None:
            return
        if "result" in msg:
            sess.on_result(key, msg["result"])
        else:
            sess.on_started(key, msg)

    async def refresh_workers(self, max_age_s=2.0):
        if time.time() - self.workers_at > max_age_s:
            info = await self.client.scheduler.identity()
            self.workers = info.get("workers", {})
            self.workers_at = time.time()
        return self.workers


def fit_resources(requested, workers):
    """Resources to send to Dask, or (None, why) when no worker could ever run the task.

    Dask only places a task on a worker advertising EVERY requested key; a key nobody
    advertises means a silent hang (dask/dask#9587). Zero amounts are never sent.
    """
    ask = {k: float(v) for k, v in (requested or {}).items() if v is not None and float(v) > 0}
    if not workers:
        return ask, None  # nothing registered yet: the scheduler holds the task until one comes
    out = {}
    for k, v in ask.items():
        have = [float((w.get("resources") or {}).get(k)) for w in workers.values()
                if (w.get("resources") or {}).get(k) is not None]
        if not have:
            if k.startswith("lc-queue-"):
                out[k] = v  # its queue's pilots are still to come: the scheduler holds it for them
                continue
            if k == "gpus":
                return None, "the task needs gpus but no Dask worker advertises a 'gpus' resource"
            continue  # e.g. an external cluster without resources: its thread slots limit instead
        if v > max(have):
            unit = " bytes" if k == "memory" else ""
            return None, f"the task needs {k}={v:g}{unit}; the largest worker offers {max(have):g}{unit}"
        out[k] = v
    return out, None


class Session:
    def __init__(self, cluster, write):
        self.cluster = cluster
        self.write = write
        self.prefix = f"lc{os.getpid()}s{next(_session_ids)}"
        self.counter = itertools.count(1)
        self.tasks = {}  # task id -> {"key", "future", "started", "cancelled", "grace"}
        self.by_key = {}  # dask key -> task id
        # lc's environment, set once per session ({"op": "env"}), kept as JSON text: every task
        # carries it, and Dask's client walks each task argument entry by entry as it packs the
        # task (for futures, keys and sizes), ~15% of the bridge's time with a dict of a shell's
        # ~100 variables; a string it takes whole
        self.base_env = "{}"
        self.writer = None  # the stream writer, in `serve` mode (drain() flushes it)
        cluster.sessions[self.prefix] = self

    def on_started(self, key, msg):
        tid = self.by_key.get(key)
        t = self.tasks.get(tid) if tid is not None else None
        if t is None:
            return
        # a second start: the worker it ran on was lost and Dask runs it again elsewhere
        again = t["started"]
        t["started"] = True
        self.write({"type": "started", "id": tid, "host": msg.get("host"),
                    "startedAt": msg.get("startedAt"), **({"again": True} if again else {})})

    def on_result(self, key, res):
        tid = self.by_key.get(key)
        if tid is not None and tid in self.tasks:
            self.finish(tid, {"type": "result", "id": tid, **res})

    def finish(self, tid, msg):
        """Report a task's end once, and let Dask forget it."""
        t = self.tasks.pop(tid, None)
        if t is None:
            return
        self.by_key.pop(t["key"], None)
        if msg.get("reason") == "exit" and t.get("cancelled"):
            msg["reason"] = "cancelled"
        try:
            t["future"].release()
        except Exception:
            pass
        self.write(msg)

    def result_msg(self, tid, reason, detail, host=""):
        now = time.time() * 1000.0
        return {"type": "result", "id": tid, "host": host, "startedAt": now, "finishedAt": now,
                "exitCode": None, "signal": None, "reason": reason, "detail": detail,
                "cpuS": None, "tail": []}

    async def submit(self, reqs):
        """Hand tasks to Dask: one client.map per group asking the same resources and worker,
        so the scheduler takes one graph update for a group instead of one per task (a
        submit's message, graph and scheduler-side update are most of a short task's cost)."""
        groups = {}
        ids = set()
        for req in reqs:
            task = await self.task_spec(req, ids)
            if task is None:
                continue
            spec, worker = task
            ids.add(spec["id"])
            resources = spec["resources"]
            groups.setdefault((tuple(sorted(resources.items())), worker), []).append(spec)
        client = self.cluster.client
        for (resources, worker), specs in groups.items():
            # a worker chosen by lc (pilots: one with room now) is a preference, not a requirement
            placement = {"workers": [worker], "allow_other_workers": True} if worker else {}
            try:
                futs = client.map(self.cluster.run_shell, specs, key=[s["key"] for s in specs],
                                  resources=dict(resources) or None, pure=False, retries=0, **placement)
            except Exception as e:  # each task of the group is told, none waits for ever
                for spec in specs:
                    self.write(self.result_msg(spec["id"], "spawn_error", f"Dask: {type(e).__name__}: {e}"))
                continue
            for spec, fut in zip(specs, futs):
                tid = spec["id"]
                self.tasks[tid] = {"key": spec["key"], "future": fut, "started": False,
                                   "cancelled": False, "grace": float(spec["graceS"])}
                self.by_key[spec["key"]] = tid
                asyncio.ensure_future(self.watch(tid, fut))

    async def task_spec(self, req, batch_ids):
        """The spec run_shell gets and the preferred worker, or None once the task's result is
        written (refused: the scheduler is stopping, a duplicate id, a task no worker fits)."""
        tid = req["id"]
        if self.cluster.stopping:
            self.write(self.result_msg(tid, "cancelled", "the session scheduler is stopping"))
            return None
        if tid in self.tasks or tid in batch_ids:
            self.write(self.result_msg(tid, "spawn_error", f"task {tid} is already running"))
            return None
        workers = await self.cluster.refresh_workers()
        resources, why = fit_resources(req.get("resources"), workers)
        if why is not None:
            self.write(self.result_msg(tid, "does_not_fit", why))
            return None
        key = f"{self.prefix}/{next(self.counter)}/{tid}"
        spec = {"key": key, "id": tid, "command": req["command"], "cwd": req["cwd"],
                "baseEnv": self.base_env, "env": req.get("env") or {}, "logPath": req["logPath"],
                "timeLimitS": req.get("timeLimitS"), "graceS": req.get("graceS") or 5.0,
                "resources": resources, "topic": self.cluster.topic}
        return spec, req.get("worker")

    async def watch(self, tid, fut):
        """Results normally arrive as events (on_result); this covers errors, cancellation and
        a lost event, without a gather round trip in the common case."""
        try:
            await distributed.wait([fut])
        except BaseException:
            pass
        if tid not in self.tasks:
            return
        if fut.status == "finished":
            for _ in range(50):  # the result event may trail the state change a little
                await asyncio.sleep(0.02)
                if tid not in self.tasks:
                    return
        try:
            res = await fut
            msg = {"type": "result", "id": tid, **res}
        except BaseException as e:  # cancelled future, lost worker, ...
            t = self.tasks.get(tid) or {}
            if t.get("cancelled"):
                msg = self.result_msg(tid, "cancelled", "cancelled before it started")
            elif type(e).__name__ in ("CancelledError", "FutureCancelledError"):
                # nobody asked: the scheduler let it go (the workers it waited for left)
                msg = self.result_msg(tid, "cancelled", "Dask dropped it before it started (unasked; its workers left?)")
            else:
                msg = self.result_msg(tid, "spawn_error", f"Dask: {type(e).__name__}: {e}")
        self.finish(tid, msg)

    async def cancel(self, tid, force=False):
        t = self.tasks.get(tid)
        if t is None:
            return
        t["cancelled"] = True
        client = self.cluster.client
        # a task not known to have started: the scheduler must not hand it to a worker any more
        if not t["started"]:
            await client.cancel([t["future"]], force=True)
        # kill its process group wherever it runs; a worker it has not reached yet refuses it later
        await client.run(lc_dask_task.cancel_task, t["key"], force, on_error="ignore")

    async def cancel_all(self):
        await cancel_in_order([self], force=True)
        self.cluster.sessions.pop(self.prefix, None)

    async def reply(self, req):
        rid = req.get("rid")
        op = req["op"]
        try:
            if op == "capacity":
                data = await self.capacity()
            elif op == "utilisation":
                data = await self.utilisation()
            elif op == "info":
                workers = await self.cluster.refresh_workers(0)
                data = {"address": self.cluster.client.scheduler.address,
                        "distributed": distributed.__version__, "workers": len(workers)}
            elif op == "retire":
                client = self.cluster.client
                await client.retire_workers(close_workers=True)
                data = True
            else:
                raise ValueError(f"unknown op {op!r}")
            self.write({"type": "reply", "rid": rid, "ok": True, "data": data})
        except Exception as e:
            self.write({"type": "reply", "rid": rid, "ok": False,
                        "error": {"code": "DASK_ERROR", "message": f"{type(e).__name__}: {e}"}})

    async def capacity(self):
        workers = await self.cluster.refresh_workers(0)
        out = []
        for addr, w in sorted(workers.items(), key=lambda kv: str(kv[1].get("name"))):
            r = w.get("resources") or {}
            queue = next((k[len("lc-queue-"):] for k in r if k.startswith("lc-queue-")), None)
            retires = r.get("lc-retires-at")  # a pilot's worker: when it retires (lc_dask_launch.py)
            out.append({"host": str(w.get("name") or w.get("host") or addr), "address": addr,
                        "cpus": float(r.get("cpus") or w.get("nthreads") or 0),
                        "memoryBytes": float(r.get("memory") or w.get("memory_limit") or 0),
                        "gpus": float(r.get("gpus") or 0),
                        **({"queue": queue} if queue is not None else {}),
                        **({"retiresAt": float(retires) * 1000.0} if retires is not None else {})})
        return out

    async def utilisation(self):
        workers = await self.cluster.refresh_workers(0)
        stats = await self.cluster.client.run(lc_dask_task.node_stats, on_error="return")
        out = []
        for addr, s in sorted(stats.items(), key=lambda kv: str(workers.get(kv[0], {}).get("name", kv[0]))):
            if isinstance(s, dict):
                s["worker"] = str(workers.get(addr, {}).get("name") or addr)
                out.append(s)
        return out

    async def handle(self, req):
        op = req.get("op")
        if op == "submit":
            await self.submit([req])
        elif op == "cancel":
            await self.cancel(req["id"], bool(req.get("force")))
        elif op == "env":
            self.base_env = json.dumps({str(k): str(v) for k, v in (req.get("env") or {}).items()})
        elif op == "close":
            return False
        else:
            await self.reply(req)
        return True


async def cancel_in_order(sessions, force=False):
    """Cancel every task of these sessions: all queued ones first, only then the running ones.
    Killing a running task frees its worker slot, and Dask would hand that slot to a queued task
    whose cancel had not reached the scheduler yet: it would start, only to be killed."""
    if not sessions:
        return
    client = sessions[0].cluster.client
    queued, running = [], []
    for s in sessions:
        for tid, t in list(s.tasks.items()):
            t["cancelled"] = True
            (running if t["started"] else queued).append((s, tid, t))
    # the scheduler drops every queued task in one call; then the workers are told, in case
    # one had started a task whose start event is still on its way (it is killed) or is about to
    if queued:
        await asyncio.gather(client.cancel([t["future"] for _, _, t in queued], force=True),
                             return_exceptions=True)
        await asyncio.gather(*(client.run(lc_dask_task.cancel_task, t["key"], force, on_error="ignore")
                               for _, _, t in queued), return_exceptions=True)
    await asyncio.gather(*(s.cancel(tid, force) for s, tid, _ in running), return_exceptions=True)


async def drain(cluster):
    """The supervisor is stopping the session scheduler: tell every session first, then cancel
    its tasks exactly as lc's own cancel does (SIGTERM to the process group, SIGKILL after the
    task's grace), and wait for their results, so each lc run reports its tasks as cancelled by
    the stop instead of losing its bridge mid-task. New submits are refused from now on."""
    cluster.stopping = True
    sessions = list(cluster.sessions.values())
    for s in sessions:
        s.write({"type": "stopping"})
    graces = [t["grace"] for s in sessions for t in s.tasks.values()]
    await cancel_in_order(sessions)
    # SIGKILL follows SIGTERM after the grace; a task whose worker is gone never reports
    deadline = time.time() + min(60.0, max(graces, default=0.0) + 5.0)
    while any(s.tasks for s in sessions) and time.time() < deadline:
        await asyncio.sleep(0.05)
    for s in sessions:
        for tid in list(s.tasks):  # lost with its worker: nothing more will come
            s.finish(tid, s.result_msg(tid, "cancelled", "the session scheduler is stopping"))
        if s.writer is not None:
            try:
                await s.writer.drain()
                s.writer.close()
            except Exception:
                pass


# At most this many submits go to Dask in one batch (a few ms of work): cancels wait no longer.
MAX_BATCH = 500


async def serve_stream(cluster, reader, writer):
    """One session over a pair of asyncio streams (stdio or a unix socket connection)."""

    # Messages go out together, once per pass of the event loop. One write each (started,
    # result, replies) made ~5 send() calls per task, 6% of the bridge's time in a profile of
    # 20,000 tasks.
    out = []

    def flush():
        if out and not writer.is_closing():
            writer.write(b"".join(out))
        out.clear()

    def write(msg):
        if not out:
            asyncio.get_running_loop().call_soon(flush)
        out.append((json.dumps(msg, separators=(",", ":")) + "\n").encode())

    sess = Session(cluster, write)
    sess.writer = writer if isinstance(writer, asyncio.StreamWriter) else None
    workers = await cluster.refresh_workers(0)
    write({"type": "ready", "protocol": BRIDGE_PROTOCOL, "address": cluster.client.scheduler.address,
           "distributed": distributed.__version__, "python": sys.executable, "workers": len(workers)})
    # lines are read as they come, so that submits that arrived together go to Dask together
    inbox = asyncio.Queue()

    async def read_lines():
        while True:
            line = await reader.readline()
            inbox.put_nowait(line)
            if not line:
                return

    def parse(line):
        try:
            return json.loads(line)
        except ValueError:
            write({"type": "reply", "rid": None, "ok": False,
                   "error": {"code": "BAD_REQUEST", "message": f"not JSON: {line[:200]!r}"}})
            return None

    reading = asyncio.ensure_future(read_lines())
    held = None  # the request that ended a batch of submits: the next one handled
    try:
        while True:
            req, held = held, None
            if req is None:
                line = await inbox.get()
                if not line:
                    break
                req = parse(line)
                if req is None:
                    continue
            try:
                if req.get("op") == "submit":
                    batch = [req]
                    while len(batch) < MAX_BATCH and not inbox.empty():
                        line = inbox.get_nowait()
                        nxt = parse(line) if line else {"op": "close"}
                        if nxt is not None and nxt.get("op") == "submit":
                            batch.append(nxt)
                        elif nxt is not None:
                            held = nxt
                            break
                    await sess.submit(batch)
                elif not await sess.handle(req):
                    break
            except Exception as e:  # a bad request must not kill the other sessions
                write({"type": "reply", "rid": req.get("rid"), "ok": False,
                       "error": {"code": "BRIDGE_ERROR", "message": f"{type(e).__name__}: {e}"}})
            flush()
            await writer.drain()
    finally:
        reading.cancel()
        await sess.cancel_all()
        try:
            flush()
            await writer.drain()
            writer.close()
        except Exception:
            pass


async def connect(args):
    kw = {"security": make_security(args.tls_dir), "asynchronous": True, "timeout": args.timeout}
    if args.scheduler_file:
        with open(args.scheduler_file) as f:
            address = json.load(f)["address"]
    else:
        address = args.address
    return await Client(address, **kw)


class StdoutWriter:
    """The bits of asyncio.StreamWriter serve_stream uses, over a blocking stdout (pipe or file).
    Messages are small and Node reads them at once, so a blocking write is fine."""

    def __init__(self):
        self.out = sys.stdout.buffer
        self.closed = False

    def write(self, data):
        try:
            self.out.write(data)
            self.out.flush()
        except (BrokenPipeError, ValueError):
            self.closed = True

    def is_closing(self):
        return self.closed

    async def drain(self):
        return None

    def close(self):
        self.closed = True


async def stdio_main(args):
    loop = asyncio.get_running_loop()
    try:
        client = await connect(args)
    except Exception as e:
        emit_fatal("DASK_CONNECT", f"cannot connect to the Dask scheduler: {type(e).__name__}: {e}")
        return 4
    cluster = Cluster(client, own=bool(args.tls_dir))
    reader = asyncio.StreamReader(limit=1 << 24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    await serve_stream(cluster, reader, StdoutWriter())
    await client.close()
    return 0


async def serve_main(args):
    client = await connect(args)
    cluster = Cluster(client, own=bool(args.tls_dir))
    try:
        os.unlink(args.socket)
    except FileNotFoundError:
        pass
    old = os.umask(0o077)  # the socket is for this user only (the dir is 0700 too)
    try:
        server = await asyncio.start_unix_server(
            lambda r, w: serve_stream(cluster, r, w), path=args.socket, limit=1 << 24
        )
    finally:
        os.umask(old)
    print(f"lc-bridge: serving {args.socket} for {client.scheduler.address}", file=sys.stderr, flush=True)
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)

    async def drain_then_stop():
        try:
            await drain(cluster)
        finally:
            stop.set()

    draining = []

    def on_stop_request():
        if not draining:  # once, however often the supervisor asks
            draining.append(asyncio.ensure_future(drain_then_stop()))

    # the supervisor's "the scheduler is being stopped": cancel every session's tasks, then exit
    loop.add_signal_handler(signal.SIGUSR1, on_stop_request)
    async with server:
        await stop.wait()
    try:
        os.unlink(args.socket)
    except FileNotFoundError:
        pass
    await client.close()
    return 0


def main(argv):
    p = argparse.ArgumentParser(prog="lc_dask_bridge")
    sub = p.add_subparsers(dest="mode", required=True)
    for name in ("stdio", "serve"):
        sp = sub.add_parser(name)
        sp.add_argument("--scheduler-file")
        sp.add_argument("--address")
        sp.add_argument("--tls-dir")
        sp.add_argument("--timeout", type=float, default=20.0)
        if name == "serve":
            sp.add_argument("--socket", required=True)
    args = p.parse_args(argv)
    if not args.scheduler_file and not args.address:
        emit_fatal("USAGE", "lc_dask_bridge needs --scheduler-file or --address")
        return 2
    if args.mode == "serve":
        sys.path.insert(0, HERE)
        import lc_dask_launch

        lc_dask_launch.die_with_parent()
        return asyncio.run(serve_main(args))
    return asyncio.run(stdio_main(args))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
