export { createDaskExecutor, daskResources, type DaskExecutor, type DaskExecutorOptions } from './executor.js';
export { findDaskPython, INSTALL_HINT, type DaskPython } from './python.js';
