import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LcError } from '../../engine/errors.js';
import { readSchedulerSettings } from '../../engine/scheduler/config.js';
import { resolveScratchRoot } from '../../engine/scratch/paths.js';
import { tempDir } from '../helpers/lc.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** A fresh project dir with the given .lightcone/lightcone.yaml. */
function projectWithConfig(text?: string): string {
  const t = tempDir('lc-config-');
  cleanups.push(t.cleanup);
  if (text !== undefined) {
    mkdirSync(join(t.dir, '.lightcone'));
    writeFileSync(join(t.dir, '.lightcone', 'lightcone.yaml'), text);
  }
  return t.dir;
}

function configErrorOf(f: () => unknown): LcError {
  try {
    f();
  } catch (e) {
    if (e instanceof LcError) return e;
    throw e;
  }
  throw new Error('expected a CONFIG_INVALID error');
}

describe('.lightcone/lightcone.yaml', () => {
  it('scratch_root is used between LIGHTCONE_SCRATCH and $SCRATCH, with variables expanded', () => {
    const root = projectWithConfig('target: local\nscratch_root: $BASE/lc\n');
    expect(resolveScratchRoot(root, { BASE: '/data', SCRATCH: '/s' })).toEqual({ path: '/data/lc', source: 'scratch_root' });
    expect(resolveScratchRoot(root, { BASE: '/data', LIGHTCONE_SCRATCH: '/env', SCRATCH: '/s' })).toEqual({
      path: '/env',
      source: 'LIGHTCONE_SCRATCH',
    });
  });

  it('an unset variable in scratch_root falls through to $SCRATCH', () => {
    const root = projectWithConfig('scratch_root: $NOPE_UNSET/lc\n');
    expect(resolveScratchRoot(root, { SCRATCH: '/s' })).toEqual({ path: '/s', source: 'SCRATCH' });
  });

  it('a file that is not YAML is an error naming the file and line', () => {
    const root = projectWithConfig('scratch_root: /a\n  bad: [\n');
    const e = configErrorOf(() => resolveScratchRoot(root, {}));
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toMatch(/lightcone\.yaml:\d+: \(file\): not valid YAML/);
  });

  it('a field of the wrong type names the field and its line', () => {
    const root = projectWithConfig('python: /usr/bin/python3\nscratch_root: [a, b]\n');
    const e = configErrorOf(() => resolveScratchRoot(root, {}));
    expect(e.message).toMatch(/lightcone\.yaml:2: scratch_root: must be a non-empty string/);
  });

  it('scheduler settings share the file: idle_timeout durations and a bad value with its line', () => {
    expect(readSchedulerSettings(projectWithConfig('scheduler:\n  idle_timeout: 1h30m\n'), {}).idleTimeoutS).toBe(5400);
    expect(readSchedulerSettings(projectWithConfig('scheduler:\n  idle_timeout: "00:10:00"\n'), {}).idleTimeoutS).toBe(
      600,
    );
    expect(readSchedulerSettings(projectWithConfig('scheduler:\n  idle_timeout: 90\n'), {}).idleTimeoutS).toBe(90);
    const e = configErrorOf(() =>
      readSchedulerSettings(projectWithConfig('python: x\nscheduler:\n  idle_timeout: soon\n'), {}),
    );
    expect(e.message).toMatch(/lightcone\.yaml:3: scheduler\.idle_timeout: 'soon' is not a duration/);
  });

  it('scheduler.interface: taken from the file, LC_SCHEDULER_INTERFACE wins, a bad one names its line', () => {
    const p = projectWithConfig('scheduler:\n  interface: hsn0\n');
    expect(readSchedulerSettings(p, {}).interface).toBe('hsn0');
    expect(readSchedulerSettings(p, { LC_SCHEDULER_INTERFACE: 'ib0' }).interface).toBe('ib0');
    expect(readSchedulerSettings(projectWithConfig(), {}).interface).toBeUndefined();
    const e = configErrorOf(() =>
      readSchedulerSettings(projectWithConfig('scheduler:\n  idle_timeout: 30m\n  interface: [eth0]\n'), {}),
    );
    expect(e.message).toMatch(/lightcone\.yaml:3: scheduler\.interface: must be a network interface name/);
  });

  it('no file: defaults', () => {
    expect(readSchedulerSettings(projectWithConfig(), {}).idleTimeoutS).toBe(30 * 60);
  });
});
