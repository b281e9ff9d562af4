/** What a Containerfile's image identity covers: its COPY/ADD sources, minus what the ignore file leaves out. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copySources } from '../../engine/containers/containerfile.js';
import { buildIdentity } from '../../engine/containers/context.js';
import { IgnoreRules } from '../../engine/containers/ignore.js';
import { tempDir } from '../helpers/lc.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe('copySources', () => {
  it('COPY and ADD sources in shell and JSON form, continuations and flags; not other stages; URLs apart', () => {
    const text = [
      '# a comment: COPY nothing',
      'FROM localhost/base AS build',
      'COPY --chown=1000:1000 requirements.txt src/ /app/',
      'copy ["with space.txt", "/app/"]',
      'ADD https://example.org/x.tar.gz vendor/*.whl \\',
      '    /opt/',
      'COPY --from=build /out /out',
      'RUN echo COPY not-a-source /x',
    ].join('\n');
    expect(copySources(text)).toEqual({
      paths: ['requirements.txt', 'src/', 'with space.txt', 'vendor/*.whl'],
      urls: ['https://example.org/x.tar.gz'],
    });
  });
});

describe('IgnoreRules', () => {
  it('segments, **, directories and exceptions; the last matching line wins', () => {
    const r = IgnoreRules.parse(['# comment', '*.log', 'data/**', '!data/keep.csv', '/build', 'docs/*.md'].join('\n'));
    expect(
      ['a.log', 'x/a.log', 'data/big.bin', 'data/sub/x', 'build/out.o', 'docs/a.md', 'docs/sub/a.md'].map((p) =>
        r.ignored(p),
      ),
    ).toEqual([true, false, true, true, true, true, false]);
    expect(r.ignored('data/keep.csv')).toBe(false);
    expect(r.ignored('src/fit.py')).toBe(false);
  });
});

describe('buildIdentity', () => {
  function context() {
    const t = tempDir('lc-identity-');
    cleanup = t.cleanup;
    const env = join(t.dir, 'env');
    mkdirSync(join(env, 'src'), { recursive: true });
    writeFileSync(join(env, 'Containerfile'), 'FROM localhost/base\nCOPY requirements.txt src/ /app/\n');
    writeFileSync(join(env, '.containerignore'), 'src/*.tmp\n');
    writeFileSync(join(env, 'requirements.txt'), 'numpy\n');
    writeFileSync(join(env, 'src/fit.py'), 'print(1)\n');
    writeFileSync(join(env, 'src/scratch.tmp'), 'x\n');
    writeFileSync(join(env, 'README.md'), 'notes\n');
    return { root: t.dir, cf: join(env, 'Containerfile'), env };
  }

  it('a content-addressed tag: stable, moved by a copied file, not by an ignored or uncopied one', () => {
    const { root, cf, env } = context();
    const a = buildIdentity(cf, root);
    expect(a?.tag).toMatch(/^lc-env-[0-9a-f]{12}$/);
    expect(Object.keys(a?.files ?? {}).sort()).toEqual([
      'env/.containerignore',
      'env/Containerfile',
      'env/requirements.txt',
      'env/src/fit.py',
    ]);
    expect(buildIdentity(cf, root)?.tag).toBe(a?.tag);
    writeFileSync(join(env, 'src/scratch.tmp'), 'changed\n');
    writeFileSync(join(env, 'README.md'), 'changed\n');
    expect(buildIdentity(cf, root)?.tag).toBe(a?.tag);
    writeFileSync(join(env, 'src/fit.py'), 'print(2)\n');
    expect(buildIdentity(cf, root)?.tag).not.toBe(a?.tag);
  });
});
