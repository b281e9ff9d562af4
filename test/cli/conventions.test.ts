/**
 * What every command shares at the command line, through the built lc: a reader that goes away
 * (`| head`) ends output quietly; a mistyped command or option is one line with the nearest
 * name and exit 2; `lc help [CMD]` and `lc version`; the top help lists the environment, the
 * exit codes and examples.
 */
import { execa } from 'execa';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LC, lc, tempDir } from '../helpers/lc.js';

let dir: string;
let cleanup: () => void;
let big: string;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('lc-cli-'));
  // enough tasks that every listing outlasts the pipe's buffer
  big = join(dir, 'big');
  mkdirSync(join(big, 'universes'), { recursive: true });
  const n = 1500;
  const options = Array.from({ length: n }, (_, i) => `      o${i}: {label: O${i}}`).join('\n');
  writeFileSync(
    join(big, 'astra.yaml'),
    `id: big\nversion: "0.0.12"\nname: Big\ninputs: []\ndecisions:\n  d:\n    label: D\n    options:\n${options}\noutputs:\n  - id: a\n    type: data\n    decisions: [d]\n    recipe:\n      command: "echo {decisions.d} > {output}/x"\n`,
  );
  for (let i = 0; i < n; i++) writeFileSync(join(big, 'universes', `u${i}.yaml`), `id: u${i}\ndecisions: {d: o${i}}\n`);
});
afterAll(() => cleanup());

describe('command-line conventions', () => {
  test.each(['status', 'dag --json', 'verify', 'run -n', 'validate --json'])(
    'lc %s | head -1 ends quietly',
    async (cmd) => {
      const r = await execa(
        'bash',
        ['-c', `node ${LC} ${cmd} 2>"$ERR" | head -1 >/dev/null; echo "\${PIPESTATUS[0]}"; cat "$ERR"`],
        { cwd: big, env: { NO_COLOR: '1', CI: '1', ERR: join(dir, `err-${cmd.replace(/\W/g, '')}.txt`) } },
      );
      const [code, ...err] = String(r.stdout).split('\n');
      expect(err.join('\n')).toBe('');
      expect(code).toBe('0');
    },
  );

  test('a mistyped command or option: one line naming the nearest, exit 2', async () => {
    const cmd = await lc(['stauts'], { cwd: big });
    expect(cmd.exitCode).toBe(2);
    expect(cmd.stderr).toBe(
      "lc: unknown command 'stauts' (did you mean status?) [USAGE]\n    hint: lc --help lists the commands",
    );
    const opt = await lc(['run', '--forse'], { cwd: big });
    expect(opt.exitCode).toBe(2);
    expect(opt.stderr).toBe(
      'lc run: unknown option --forse (did you mean --force?) [USAGE]\n    hint: see lc run --help',
    );
    // options alone go to the default command, but the mistake is named as lc's
    const bare = await lc(['--jsno'], { cwd: big });
    expect(bare.exitCode).toBe(2);
    expect(bare.stderr).toMatch(/^lc: unknown option --jsno \(did you mean --json\?\) \[USAGE\]/);
    const missing = await lc(['export', 'job', 'a', '--to'], { cwd: big });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/^lc export: Option '--to <value>' argument missing \[USAGE\]\n/);
  });

  test('lc help [CMD], lc version, and what the top help says', async () => {
    const run = await lc(['help', 'run']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe((await lc(['run', '--help'])).stdout);
    expect((await lc(['help'])).stdout).toBe((await lc(['--help'])).stdout);
    expect((await lc(['version'])).stdout).toBe((await lc(['--version'])).stdout);
    const top = (await lc(['--help'])).stdout;
    for (const v of [
      'LIGHTCONE_SCRATCH',
      'LC_PYTHON',
      'LC_QUEUE',
      'DASK_SCHEDULER_ADDRESS',
      'LC_CONTAINER_RUNTIME',
      'NO_COLOR',
    ])
      expect(top).toContain(v);
    expect(top).toContain(
      'Exit codes: 0 success, 1 failure (or work pending with --check), 2 usage error, 130 interrupted.',
    );
    expect(top).toMatch(/Examples:\n {2}lc /);
    expect((await lc(['help', 'stauts'])).stderr).toMatch(/unknown command 'stauts' \(did you mean status\?\)/);
    // every command's help ends with examples
    const commands = top.slice(top.indexOf('Commands:'), top.indexOf('\n\n', top.indexOf('Commands:')));
    const names = [...commands.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1] as string);
    expect(names).toEqual(expect.arrayContaining(['init', 'run', 'status', 'export', 'completion']));
    for (const name of names) expect((await lc([name, '--help'])).stdout, name).toMatch(/\nExamples:\n( {2}\S.*\n?)+$/);
  });

  test('long work is said on stderr when it is a terminal, never on stdout, with --json or in a pipe', async () => {
    // `script` gives lc a terminal; stdout goes to /dev/null, so what comes back is stderr
    const tty = async (args: string) =>
      String(
        (await execa('script', ['-qec', `node ${LC} ${args} >/dev/null`, '/dev/null'], { cwd: big, env: { CI: '1' } }))
          .stdout,
      );
    // (loading the spec may be said first on a slow machine)
    expect((await tty('status')).endsWith('lc: checking 1,500 outputs…\r\u001b[K')).toBe(true);
    expect(await tty('status --json')).toBe('');
    const piped = await execa(process.execPath, [LC, 'status'], { cwd: big, env: { CI: '1' } });
    expect(String(piped.stderr)).toBe('');
  });
});
