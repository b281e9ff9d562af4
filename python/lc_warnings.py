"""Deprecations as errors: lc's early warning that upstream is about to remove an API lc uses.

With LC_DEPRECATIONS=error in the environment (the test suite sets it; anyone may), every lc
Python process (the bridge, the session scheduler, its workers and so the task functions that
run inside them) raises DeprecationWarning, PendingDeprecationWarning and FutureWarning as
exceptions where they are issued, instead of printing or hiding them. Dask removes what it
deprecates a few releases later, so a deprecated call must fail CI while it still works.

What stays a printed warning: one issued while a module is being imported. That is third-party
import noise (a library importing a deprecated module of another), which lc neither causes nor
can fix; failing on it would make the suite fail for reasons that are not lc's.

The environment variable travels with every process lc starts (srun passes it on), so the
guard reaches workers on every node. Without it, Python's default filters apply unchanged.
"""
import os
import sys
import warnings

ENV = "LC_DEPRECATIONS"
CATEGORIES = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)
_installed = False


def guard_requested(env=None):
    return (env if env is not None else os.environ).get(ENV, "").strip().lower() == "error"


def _importing(frame):
    """True while the code that issued the warning runs under an import statement."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib._bootstrap"):
            return True
        frame = frame.f_back
    return False


def _raise_unless_importing(message, category, filename, lineno, file=None, line=None):
    if issubclass(category, CATEGORIES) and not _importing(sys._getframe(1)):
        # Raised from here, the exception surfaces at the warnings.warn() call that issued it,
        # exactly as with the "error" filter action.
        raise message if isinstance(message, Warning) else category(message)
    _print_warning(message, category, filename, lineno, file, line)


_print_warning = warnings.showwarning


def install(env=None):
    """Turn on the guard if LC_DEPRECATIONS=error; call it at a process's start. Idempotent."""
    global _installed, _print_warning
    if _installed or not guard_requested(env):
        return False
    _print_warning = warnings.showwarning
    for category in CATEGORIES:
        # "always": Python's defaults hide these outside __main__, and "once" registries would
        # let a second call through silently
        warnings.simplefilter("always", category)
    warnings.showwarning = _raise_unless_importing
    _installed = True
    return True


def installed():
    return _installed
