/**
 * Test helpers shared by every suite: run the *built* lc as a real process, and make real
 * temporary projects on disk.
 */
import { execa, type Options } from 'execa';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The bundled command, exactly what `npm install` puts on PATH as `lc`. */
export const LC = join(REPO, 'dist', 'bin', 'lc.js');
export const EXAMPLES = join(REPO, 'examples');
export const FIXTURES = resolve(REPO, '..', 'shared', 'fixtures');

export interface LcResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Run `node dist/bin/lc.js ...args` with a clean colour environment. Never throws on exit code. */
export async function lc(args: string[], opts: Options & { cwd?: string } = {}): Promise<LcResult> {
  const r = await execa(process.execPath, [LC, ...args], {
    reject: false,
    env: { NO_COLOR: '1', CI: '1', ...(opts.env ?? {}) },
    ...opts,
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** A fresh temp dir, removed by the returned cleanup. */
export function tempDir(prefix = 'lc-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Write a project from a map of relative path -> content. Returns its root. */
export function writeProject(root: string, files: Record<string, string>): string {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  return root;
}

/** Run state a local `npm run example` leaves inside the checkout; never part of an example. */
const RUN_STATE = new Set(['results', '.lightcone']);

/** Copy a bundled example (examples/<name>) into a temp dir, as shipped: without run state. */
export function copyExample(name: string, dest: string): string {
  const from = join(EXAMPLES, name);
  const to = join(dest, name);
  cpSync(from, to, {
    recursive: true,
    filter: (src) => !RUN_STATE.has(relative(from, src).split(sep)[0] ?? ''),
  });
  return to;
}

/** A bundled example copied into `dir` and fully built by a real `lc run`, with its own scratch. */
export async function builtExample(name: string, dir: string): Promise<{ root: string; env: Record<string, string> }> {
  const root = copyExample(name, dir);
  const env = { LIGHTCONE_SCRATCH: join(dir, 'scratch') };
  const r = await lc(['run', '--plain'], { cwd: root, env });
  if (r.exitCode !== 0) throw new Error(`lc run of ${name} failed (exit ${r.exitCode}):\n${r.stderr}${r.stdout}`);
  return { root, env };
}

/**
 * Run an ES module snippet as user `nobody` (tests run as root, which ignores permission bits,
 * so EACCES cases need another user). The snippet imports from dist/ (built code: nobody's
 * node cannot transform TypeScript) and gets `payload` as process.argv[1]; returns its stdout.
 */
export function runAsNobody(script: string, payload: string): string {
  return execFileSync(
    'setpriv',
    [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      process.execPath,
      '--input-type=module',
      '-e',
      script,
      payload,
    ],
    { encoding: 'utf8' },
  );
}
