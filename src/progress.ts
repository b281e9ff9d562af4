/**
 * Word that long work is under way (loading a spec of thousands of universes, checking as many
 * outputs): on stderr when it is a terminal, once the work has taken a second, erased when it
 * is done. Never on stdout, never with --json (cli.ts turns it off), never in a pipe or a log.
 */
let allowed = true;

export function allowProgress(on: boolean): void {
  allowed = on;
}

const DELAY_MS = 1_000;

/**
 * Say `what` if the work outlasts a second, or at once when it is known to be big (`now`: work
 * that holds the event loop gives a timer no chance); call the result when the work is done.
 */
export function slowWork(what: string, now = false): () => void {
  if (!allowed || !process.stderr.isTTY) return () => undefined;
  let shown = false;
  const show = () => {
    shown = true;
    process.stderr.write(`lc: ${what}…`);
  };
  const timer = setTimeout(show, now ? 0 : DELAY_MS);
  timer.unref();
  if (now) {
    clearTimeout(timer);
    show();
  }
  return () => {
    clearTimeout(timer);
    if (shown) process.stderr.write('\r\u001b[K');
  };
}
