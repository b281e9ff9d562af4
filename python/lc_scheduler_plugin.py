"""The scheduler plugin of lc's session scheduler (python/lc_dask_launch.py starts it).

A scheduler plugin subclasses distributed's SchedulerPlugin, and its remove_worker takes
**kwargs (newer releases warn about a signature without them); both work from 2022.12 on.
"""
from distributed.diagnostics.plugin import SchedulerPlugin


class ForgetLostWorkers(SchedulerPlugin):
    """A task lc hands to a worker with room (pilots, see pilot-gate.ts) prefers that worker,
    loosely. Dask keeps the preference after the worker has gone: a task that lost its worker
    while no other was running (the only pilot retired, or all of them ended at once) waits in
    `no-worker` for ever, as a worker that joins later takes only the tasks whose restrictions,
    loose ones included, it meets. Forgetting the departed worker lets the next one take them."""

    name = "lc-forget-lost-workers"

    def remove_worker(self, scheduler, worker, **kwargs):
        for ts in scheduler.tasks.values():
            if ts.loose_restrictions and ts.worker_restrictions and worker in ts.worker_restrictions:
                ts.worker_restrictions.discard(worker)
