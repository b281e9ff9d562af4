/**
 * Resource parsing: sizes to bytes, durations to seconds, both spellings, and errors with
 * their position and the accepted forms.
 */
import { describe, expect, it } from 'vitest';
import { parseDuration, parseSize } from '../../engine/astra/index.js';
import { BASE, BASE_UNIVERSE, load, where } from './helpers.js';

describe('sizes', () => {
  it.each([
    ['32GB', 32e9],
    ['500MiB', 500 * 2 ** 20],
    ['16Gi', 16 * 2 ** 30],
    ['512Mi', 512 * 2 ** 20],
    ['8GB', 8e9],
    ['8gb', 8e9],
    ['1.5G', 1.5e9],
    ['100 MB', 100e6],
    ['2T', 2e12],
    ['1024B', 1024],
    ['10Ki', 10240],
  ])('%s = %d bytes', (text, bytes) => expect(parseSize(text)).toBe(bytes));

  it.each(['100', '', 'GB', '12 parsecs', '1e3MB', '-1GB'])('refuses %j', (text) => expect(parseSize(text)).toBeUndefined());
});

describe('durations', () => {
  it.each([
    ['2h', 7200],
    ['30m', 1800],
    ['30min', 1800],
    ['1h30m', 5400],
    ['1h 30m', 5400],
    ['90s', 90],
    ['1.5h', 5400],
    ['1d', 86400],
    ['00:30:00', 1800],
    ['01:00:05', 3605],
    ['30:00', 1800],
    ['1-12:00:00', 129600],
    ['2-00', 172800],
    ['1-06:30', 109800],
  ])('%s = %d s', (text, secs) => expect(parseDuration(text)).toBe(secs));

  it.each(['30', '', 'h', '2 fortnights', '1h30', '30ms'])('refuses %j', (text) => expect(parseDuration(text)).toBeUndefined());
});

describe('resources in a recipe', () => {
  const withResources = (res: string) => BASE.replace('      command: sh clean.sh {inputs.raw} {decisions.cut} {output}\n', `      command: sh clean.sh {inputs.raw} {decisions.cut} {output}\n      resources: ${res}\n`);
  const U = { 'universes/base.yaml': BASE_UNIVERSE };

  it('normalises ASTRA names', async () => {
    const r = await load({ 'astra.yaml': withResources('{cpus: 0.5, memory: "16Gi", gpus: 2, time_limit: "2h", disk: 10GB}'), ...U });
    expect(r.errors).toEqual([]);
    expect(r.project!.outputs.get('clean')!.decl.recipe!.resources).toEqual({ cpus: 0.5, memoryBytes: 16 * 2 ** 30, gpus: 2, timeLimitS: 7200, diskBytes: 10e9 });
  });

  it('normalises Lightcone names (mem_mb is megabytes of 10^6 bytes) with a warning each', async () => {
    const r = await load({ 'astra.yaml': withResources('{cpus_per_task: 8, mem_mb: 4000, gpus_per_task: 1}'), ...U });
    expect(r.errors).toEqual([]);
    expect(r.project!.outputs.get('clean')!.decl.recipe!.resources).toEqual({ cpus: 8, memoryBytes: 4e9, gpus: 1 });
    expect(r.warnings.map((d) => [where(r.root, d), d.hint])).toEqual([
      [{ code: 'LIGHTCONE_RESOURCE', file: 'astra.yaml', line: 15, col: 19, path: 'outputs[0].recipe.resources.cpus_per_task' }, 'cpus: 8'],
      [{ code: 'LIGHTCONE_RESOURCE', file: 'astra.yaml', line: 15, col: 37, path: 'outputs[0].recipe.resources.mem_mb' }, 'memory: "4000MB"'],
      [{ code: 'LIGHTCONE_RESOURCE', file: 'astra.yaml', line: 15, col: 51, path: 'outputs[0].recipe.resources.gpus_per_task' }, 'gpus: 1'],
    ]);
  });

  it('refuses both spellings of one resource, units it cannot read, and bare numbers', async () => {
    const r = await load({ 'astra.yaml': withResources('{cpus: 2, cpus_per_task: 2, memory: "4", time_limit: "soon", disk: "3 barrels"}'), ...U });
    expect(r.project).toBeUndefined();
    expect(r.errors.map((d) => where(r.root, d))).toEqual([
      { code: 'RESOURCE_CONFLICT', file: 'astra.yaml', line: 15, col: 28, path: 'outputs[0].recipe.resources.cpus_per_task' },
      { code: 'INVALID_RESOURCE', file: 'astra.yaml', line: 15, col: 54, path: 'outputs[0].recipe.resources.memory' },
      { code: 'INVALID_RESOURCE', file: 'astra.yaml', line: 15, col: 71, path: 'outputs[0].recipe.resources.time_limit' },
      { code: 'INVALID_RESOURCE', file: 'astra.yaml', line: 15, col: 85, path: 'outputs[0].recipe.resources.disk' },
    ]);
    expect(r.errors[1]!.message).toMatch(/no unit/);
    expect(r.errors[1]!.hint).toMatch(/"16GB", "512Mi"/);
    expect(r.errors[2]!.hint).toMatch(/"00:30:00"/);
  });

  it('gpus: 0 and negative cpus are schema errors; a bare number for memory asks for a unit', async () => {
    const r = await load({ 'astra.yaml': withResources('{cpus: -1, gpus: 0, memory: 100}'), ...U });
    expect(r.errors.map((d) => [d.code, d.col, d.hint])).toEqual([
      ['SCHEMA_MINIMUM', 25, undefined],
      ['SCHEMA_MINIMUM', 35, 'leave `gpus` out when the recipe needs no GPU'],
      ['NON_STRING_VALUE', 46, 'write it as text with a unit, e.g. memory: "16GB"'],
    ]);
  });
});
