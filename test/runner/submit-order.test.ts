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

  test('with a lead of 2, at most 2 tickets are prepared (or preparing) and not started', async () => {
    const order = new SubmitOrder(2);
    const t = Array.from({ length: 6 }, () => order.ticket());
    const leading = new Set<number>();
    let most = 0;
    const log: string[] = [];
    const go = async (ticket: number, giveUp = false) => {
      await order.mayPrepare(ticket);
      leading.add(ticket);
      most = Math.max(most, leading.size);
      await new Promise((r) => setTimeout(r, 5 * (6 - ticket))); // later tickets prepare faster
      await order.turn(ticket);
      log.push(giveUp ? `gave up ${ticket}` : `submitted ${ticket}`);
      order.leave(ticket);
      if (!giveUp) await new Promise((r) => setTimeout(r, 10)); // queued in the executor a while
      leading.delete(ticket);
      order.started(ticket);
    };
    await Promise.all(t.map((ticket) => go(ticket, ticket === 2)));
    expect(most).toBe(2);
    expect(log).toEqual(['submitted 0', 'submitted 1', 'gave up 2', 'submitted 3', 'submitted 4', 'submitted 5']);
  });

  test('submitting does not free a place, starting does; places are granted in ticket order', async () => {
    const order = new SubmitOrder(2);
    const [a, b, c, d] = [order.ticket(), order.ticket(), order.ticket(), order.ticket()];
    const may: string[] = [];
    await Promise.all([order.mayPrepare(a), order.mayPrepare(b)]);
    const pc = order.mayPrepare(c).then(() => may.push('c'));
    const pd = order.mayPrepare(d).then(() => may.push('d'));
    order.leave(a);
    order.leave(b); // both submitted, neither started
    await new Promise((r) => setTimeout(r, 10));
    expect(may).toEqual([]);
    order.started(b); // b starts first: the first waiter (c) may prepare
    order.started(b); // counted once
    await pc;
    expect(may).toEqual(['c']);
    order.started(a);
    await pd;
    expect(may).toEqual(['c', 'd']);
  });
});
