/** Submissions leave the gate in ticket order, whatever order their preparation finished in. */
import { describe, expect, test } from 'vitest';
import { SubmitOrder } from '../../engine/runner/submit-order.js';

describe('SubmitOrder', () => {
  test('later tickets wait for earlier ones to be used or given up', async () => {
    const order = new SubmitOrder();
    const t = [order.ticket(), order.ticket(), order.ticket(), order.ticket()];
    const seen: number[] = [];
    const go = async (ticket: number, prepMs: number, giveUp = false) => {
      await new Promise((r) => setTimeout(r, prepMs));
      await order.turn(ticket);
      if (!giveUp) seen.push(ticket);
      order.leave(ticket);
    };
    // Preparation finishes in reverse order; ticket 1 gives up.
    await Promise.all([go(t[0] as number, 60), go(t[1] as number, 40, true), go(t[2] as number, 20), go(t[3] as number, 0)]);
    expect(seen).toEqual([0, 2, 3]);
  });

  test('leaving twice or out of order never skips a waiting ticket', async () => {
    const order = new SubmitOrder();
    const a = order.ticket();
    const b = order.ticket();
    const c = order.ticket();
    order.leave(b); // b gave up before a was done
    let cTurn = false;
    const pc = order.turn(c).then(() => (cTurn = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(cTurn).toBe(false);
    await order.turn(a);
    order.leave(a);
    await pc;
    expect(cTurn).toBe(true);
  });
});
