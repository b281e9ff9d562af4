"""The worker plugin of lc's session workers (python/lc_dask_launch.py starts them).

A worker plugin must subclass distributed's WorkerPlugin: Dask deprecated duck-typed plugins
in 2023.9 and, from 2026.6, a worker refuses to start with one. WorkerPlugin exists, at this
import path, in every supported release (2022.12 and newer).
"""
import os
import signal
import sys
import time

from distributed.diagnostics.plugin import WorkerPlugin


def kill_running_tasks(grace_s=3.0):
    """Tasks run in their own sessions, so they would outlive their worker: end them too."""
    reg = sys.modules.get("_lc_worker_registry")
    if reg is not None:
        reg.closing = True  # what these tasks report: see lc_dask_task (Reschedule)
    groups = [rec["pgid"] for rec in list(getattr(reg, "running", {}).values())] if reg else []
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = []
        for g in groups:
            try:
                os.killpg(g, sig)
                alive.append(g)
            except (ProcessLookupError, PermissionError):
                pass
        if not alive or sig == signal.SIGKILL:
            return
        deadline = time.time() + grace_s
        while time.time() < deadline and any(_group_exists(g) for g in alive):
            time.sleep(0.05)
        groups = [g for g in alive if _group_exists(g)]


def _group_exists(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except (ProcessLookupError, PermissionError):
        return False


class KillTasksOnClose(WorkerPlugin):
    """When the worker closes (retired, stopped), its tasks' process groups end first;
    otherwise closing would wait for them, and they would outlive the worker."""

    name = "lc-kill-tasks-on-close"

    def teardown(self, worker):
        kill_running_tasks()
