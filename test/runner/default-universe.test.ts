/** A project without universe files runs as one universe `default`, as Lightcone runs it. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, lc, tempDir } from '../helpers/lc.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('lc-default-universe-')));
afterAll(() => cleanup());

describe('no universes/', () => {
  it("lc run builds every output once in universe `default`, with the decisions' defaults, and says so", async () => {
    const root = copyExample('line-fit', join(dir, 'p'));
    rmSync(join(root, 'universes'), { recursive: true });
    const env = { LIGHTCONE_SCRATCH: join(dir, 'scratch') };
    const r = await lc(['run', '--plain'], { cwd: root, env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      "running one universe `default` with each decision's default (outlier_cut=none, estimator=ols)",
    );
    expect(r.stdout).toMatch(/done {3}4 ok/);
    const st = JSON.parse((await lc(['status', '--json'], { cwd: root, env })).stdout) as {
      tasks: { id: string; state: string }[];
    };
    expect(st.tasks.map((t) => `${t.id} ${t.state}`)).toEqual([
      'default/cleaned ok',
      'default/fit ok',
      'default/residuals ok',
      'default/summary ok',
    ]);
  });
});
