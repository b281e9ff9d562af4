/**
 * Helpers for spec tests: write a small project into a temp dir, load it with the real
 * loader, and pick diagnostics by code. Positions are asserted exactly (file, line, col, path).
 */
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { Diagnostic } from '../../engine/errors.js';
import { loadProject, type LoadResult } from '../../engine/astra/index.js';
import { tempDir, writeProject } from '../helpers/lc.js';

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

/** A fresh temp dir removed after the test file. */
export function scratch(): string {
  const t = tempDir('lc-spec-');
  cleanups.push(t.cleanup);
  return t.dir;
}

export interface Loaded extends LoadResult {
  root: string;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

/** Write `files` (relative path -> text) to a temp project and load it. */
export async function load(files: Record<string, string>): Promise<Loaded> {
  const root = writeProject(scratch(), files);
  const r = await loadProject(root);
  return {
    ...r,
    root,
    errors: r.diagnostics.filter((d) => d.severity === 'error'),
    warnings: r.diagnostics.filter((d) => d.severity === 'warning'),
  };
}

/** The diagnostic's place and code, with the file relative to the project root. */
export function where(root: string, d: Diagnostic): { code: string; file: string; line?: number; col?: number; path?: string } {
  const out: { code: string; file: string; line?: number; col?: number; path?: string } = { code: d.code, file: d.file ? d.file.slice(root.length + 1) : '' };
  if (d.line !== undefined) out.line = d.line;
  if (d.col !== undefined) out.col = d.col;
  if (d.path !== undefined) out.path = d.path;
  return out;
}

export const p = (root: string, rel: string) => join(root, rel);

/** A valid baseline spec that tests modify: one input, one output, one decision. */
export const BASE = `id: demo
version: "0.0.12"
name: Demo
inputs:
  - id: raw
    type: data
    source: data.csv
outputs:
  - id: clean
    type: data
    inputs: [raw]
    decisions: [cut]
    recipe:
      command: sh clean.sh {inputs.raw} {decisions.cut} {output}
decisions:
  cut:
    label: Cut
    default: soft
    options:
      soft: {label: Soft}
      hard: {label: Hard}
`;

export const BASE_UNIVERSE = 'id: base\ndecisions:\n  cut: soft\n';
