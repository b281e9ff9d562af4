/** The TUI pollers' single-flight: never two passes at once, calls during a pass make one more. */
import { describe, expect, it } from 'vitest';
import { singleFlight } from '../../src/tui/single-flight.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

describe('singleFlight', () => {
  it('calls during a pass coalesce into one more pass, and every caller waits for it', async () => {
    const gates = [gate(), gate()];
    let passes = 0;
    let running = 0;
    let overlapped = false;
    const poll = singleFlight(async () => {
      overlapped ||= running > 0;
      running++;
      await gates[passes++]?.opened;
      running--;
    });
    const first = poll();
    const second = poll();
    const third = poll();
    expect(second).toBe(third);
    gates[0]?.open();
    await Promise.resolve();
    gates[1]?.open();
    await Promise.all([first, second, third]);
    expect(passes).toBe(2);
    expect(overlapped).toBe(false);
    await poll();
    expect(passes).toBe(3);
  });

  it('no extra pass once stopped; an error that escapes the job rejects its callers and frees the poller', async () => {
    let stopped = false;
    let passes = 0;
    const poll = singleFlight(
      async () => {
        passes++;
        stopped = true;
        await Promise.resolve();
      },
      () => stopped,
    );
    await Promise.all([poll(), poll()]);
    expect(passes).toBe(1);

    let fail = true;
    const flaky = singleFlight(async () => {
      if (fail) throw new Error('boom');
    });
    await expect(flaky()).rejects.toThrow('boom');
    fail = false;
    await expect(flaky()).resolves.toBeUndefined();
  });
});
