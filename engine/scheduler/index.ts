/** The session scheduler: one Dask scheduler per execution context, reused across runs. */
export { ensureScheduler, type SessionHandle, type EnsureOptions } from './ensure.js';
export { stopScheduler, type StopResult } from './stop.js';
export { schedulerStatus, type SchedulerStatus, type WorkerStatus, type StatusOptions } from './status.js';
export { schedulerContext, checkLoginNode, type SchedulerMode, type SchedulerContext } from './context.js';
export { connectBridge } from './connect.js';
export { readSchedulerSettings, DEFAULT_IDLE_TIMEOUT_S } from './config.js';
