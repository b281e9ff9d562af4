/**
 * A job that never overlaps itself. A call while it runs asks for one more pass once the
 * current one ends; any number of such calls make a single extra pass, and each caller's
 * promise settles after the pass that covers its call. The TUI's pollers (status, clock,
 * project lock, scheduler) are all of this kind: a slow pass delays the next, never doubles it.
 *
 * The job handles its own errors; one that escapes ends the passes and rejects the callers.
 */
export type SingleFlight = () => Promise<void>;

export function singleFlight(job: () => Promise<void>, stopped: () => boolean = () => false): SingleFlight {
  let current: Promise<void> | null = null;
  let again = false;
  return () => {
    if (current) {
      again = true;
      return current;
    }
    current = (async () => {
      do {
        again = false;
        await job();
      } while (again && !stopped());
    })().finally(() => {
      current = null;
    });
    return current;
  };
}
