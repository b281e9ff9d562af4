/** Task states for `lc status`, the runner's planner and the TUI. */
export { computeStatus, type StatusOptions } from './compute.js';
export { startStatusPrefetch, type Prefetched } from './prefetch.js';
export { recordFailure, clearFailure, readFailure, readAllFailuresSync, failurePath } from './failures.js';
export { summarize, topReasons, reasonLabel } from './summary.js';
export * from './types.js';
