import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compareRelease,
  DISTRIBUTED_FLOOR,
  findDaskPython,
  isBelowFloor,
  parseRelease,
} from '../../engine/executors/dask/python.js';
import { LcError } from '../../engine/errors.js';
import { tempDir } from '../helpers/lc.js';

describe('distributed version floor (pure)', () => {
  it('the floor is 2022.12.0, so Debian 12 (2022.12.1) is supported', () => {
    expect(DISTRIBUTED_FLOOR).toBe('2022.12.0');
  });

  it('parses the release, ignoring local suffixes and dev segments', () => {
    expect(parseRelease('2022.12.1')).toEqual([2022, 12, 1]);
    expect(parseRelease('2022.12.1+ds.1')).toEqual([2022, 12, 1]);
    expect(parseRelease('2024.12.1')).toEqual([2024, 12, 1]);
    expect(parseRelease('2026.7.1')).toEqual([2026, 7, 1]);
    expect(parseRelease('2026.7.2.dev3+g1234abc')).toEqual([2026, 7, 2]);
  });

  it('has no release for source-checkout and garbage versions', () => {
    expect(parseRelease('0+unknown')).toBeUndefined();
    expect(parseRelease('0.1.dev1+g1234abc')).toBeUndefined();
    expect(parseRelease('')).toBeUndefined();
    expect(parseRelease('unknown')).toBeUndefined();
  });

  it('compares numerically, padding with zeros', () => {
    expect(compareRelease([2022, 12], [2022, 12, 0])).toBe(0);
    expect(compareRelease([2022, 9, 0], [2022, 12, 0])).toBe(-1);
    expect(compareRelease([2022, 12, 1], [2022, 12, 0])).toBe(1);
    expect(compareRelease([2023, 1, 0], [2022, 12, 0])).toBe(1);
  });

  it('refuses only versions known to be older than the floor', () => {
    for (const v of ['2022.5.0', '2022.11.1', '2.30.1', '2021.01.1+ds.1']) expect(isBelowFloor(v), v).toBe(true);
    for (const v of [
      '2022.12.0',
      '2022.12.1',
      '2022.12.1+ds.1',
      '2024.12.1',
      '2026.7.1',
      '2026.7.2.dev3+g1234abc',
      '0+unknown',
      'garbage',
    ]) {
      expect(isBelowFloor(v), v).toBe(false);
    }
  });
});

describe('findDaskPython with a real interpreter importing a given distributed', () => {
  let root: string;
  let cleanup: () => void;
  let realPython: string;
  let n = 0;

  beforeAll(() => {
    ({ dir: root, cleanup } = tempDir('lc-dask-floor-'));
    // the interpreter itself, not a shim that needs PATH (e.g. pyenv's)
    realPython = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  });
  afterAll(() => cleanup());

  /** A `python3` wrapper (in its own dir: results are cached per path) whose `distributed` is a fake at `version`. */
  function pythonWith(version: string): string {
    const dir = join(root, `py${n++}`);
    mkdirSync(join(dir, 'site', 'distributed'), { recursive: true });
    writeFileSync(join(dir, 'site', 'distributed', '__init__.py'), `__version__ = ${JSON.stringify(version)}\n`);
    const wrapper = join(dir, 'python3');
    const site = JSON.stringify(join(dir, 'site'));
    writeFileSync(wrapper, `#!/bin/sh\nPYTHONPATH=${site} exec ${JSON.stringify(realPython)} "$@"\n`);
    chmodSync(wrapper, 0o755);
    return wrapper;
  }

  async function lcErrorOf(p: Promise<unknown>): Promise<LcError> {
    try {
      await p;
    } catch (e) {
      if (e instanceof LcError) return e;
      throw e;
    }
    throw new Error('expected an LcError');
  }

  it('a configured Python with a too-old distributed is refused, naming it, the version and the floor', async () => {
    const python = pythonWith('2022.5.0');
    const e = await lcErrorOf(findDaskPython({ python, source: 'LC_PYTHON' }));
    expect(e.code).toBe('DASK_TOO_OLD');
    expect(e.message).toBe(`${python} (from LC_PYTHON) has Dask distributed 2022.5.0; lc needs 2022.12.0 or newer`);
    expect(e.hint).toContain('pip install -U distributed');
    expect(e.hint).toContain('LC_PYTHON');
    expect(e.context).toMatchObject({ python, version: '2022.5.0', floor: '2022.12.0' });
  });

  it("a configured Python with Debian 12's distributed is accepted, its version returned", async () => {
    const python = pythonWith('2022.12.1+ds.1');
    await expect(findDaskPython({ python, source: 'LC_PYTHON' })).resolves.toEqual({
      python,
      distributedVersion: '2022.12.1+ds.1',
    });
  });

  it('an unknown version (source checkout) is accepted: lc cannot tell its age', async () => {
    const python = pythonWith('0+unknown');
    await expect(findDaskPython({ python, source: 'python: in .lightcone/lightcone.yaml' })).resolves.toEqual({
      python,
      distributedVersion: '0+unknown',
    });
  });

  it('a candidate with a too-old distributed is skipped for a later supported one', async () => {
    const old = pythonWith('2022.5.0');
    const current = pythonWith('2026.7.2.dev3+g1234abc');
    const missing = join(root, 'nowhere', 'python3');
    await expect(findDaskPython(undefined, [missing, old, current])).resolves.toEqual({
      python: current,
      distributedVersion: '2026.7.2.dev3+g1234abc',
    });
  });

  it('when no candidate is recent enough, the error says which were too old', async () => {
    const old = pythonWith('2022.5.0');
    const older = pythonWith('2.30.1');
    const missing = join(root, 'nowhere', 'python3');
    const e = await lcErrorOf(findDaskPython(undefined, [old, missing, older]));
    expect(e.code).toBe('DASK_TOO_OLD');
    expect(e.message).toBe(
      `no Python interpreter with Dask distributed 2022.12.0 or newer; too old: ${old} (2022.5.0), ${older} (2.30.1); ` +
        `also tried ${missing} (not found)`,
    );
    expect(e.hint).toContain('pip install -U distributed');
  });

  it('candidates without distributed at all are still DASK_MISSING', async () => {
    const missing = join(root, 'nowhere', 'python3');
    const e = await lcErrorOf(findDaskPython(undefined, [missing]));
    expect(e.code).toBe('DASK_MISSING');
    expect(e.message).toContain(`${missing} (not found)`);
  });
});
