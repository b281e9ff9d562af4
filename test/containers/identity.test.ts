/** What a Containerfile's image identity covers: its COPY/ADD sources, minus what the ignore file leaves out. */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copySources } from '../../engine/containers/containerfile.js';
import { buildIdentity } from '../../engine/containers/context.js';
import { IgnoreRules } from '../../engine/containers/ignore.js';
import { stageBuild } from '../../engine/containers/staging.js';
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

  it('build args and a context given apart enter the identity; without them it is unchanged', () => {
    const { root, cf } = context();
    const plain = buildIdentity(cf, root)?.tag;
    const a = buildIdentity(cf, root, { args: { PY: '3.12' } });
    expect(a?.tag).not.toBe(plain);
    expect(buildIdentity(cf, root, { args: { PY: '3.12' } })?.tag).toBe(a?.tag);
    expect(buildIdentity(cf, root, { args: { PY: '3.13' } })?.tag).not.toBe(a?.tag);
    expect(a?.build.args).toEqual({ PY: '3.12' });
  });

  it('a context elsewhere: the sources are read from it and the ignore file is its own', () => {
    const { root, cf } = context();
    const ctx = join(root, 'ctx');
    mkdirSync(join(ctx, 'src'), { recursive: true });
    writeFileSync(join(ctx, 'requirements.txt'), 'scipy\n');
    writeFileSync(join(ctx, 'src/other.py'), 'print(3)\n');
    const id = buildIdentity(cf, root, { context: ctx });
    expect(Object.keys(id?.files ?? {}).sort()).toEqual([
      'ctx/requirements.txt',
      'ctx/src/other.py',
      'env/Containerfile',
    ]);
    expect(id?.build).toMatchObject({
      containerfile: cf,
      context: ctx,
      files: ['requirements.txt', 'src/other.py'],
      dirs: ['src'],
    });
  });
});

describe('stageBuild', () => {
  it('a temp context holding exactly the identity files, named directories included, links as their files', () => {
    const t = tempDir('lc-stage-');
    cleanup = t.cleanup;
    const ctx = join(t.dir, 'env');
    mkdirSync(join(ctx, 'empty'), { recursive: true });
    mkdirSync(join(ctx, 'src'), { recursive: true });
    writeFileSync(join(ctx, 'Containerfile'), 'FROM localhost/base\nCOPY . /app/\n');
    writeFileSync(join(ctx, '.containerignore'), '**/*.tmp\n');
    writeFileSync(join(ctx, 'src/fit.py'), 'print(1)\n');
    writeFileSync(join(ctx, 'src/scratch.tmp'), 'x\n');
    symlinkSync(join(ctx, 'src/fit.py'), join(ctx, 'link.py'));
    writeFileSync(join(ctx, 'Containerfile.empty'), 'FROM localhost/base\nCOPY empty /e\n');
    const id = buildIdentity(join(ctx, 'Containerfile'), t.dir);
    const staged = stageBuild(id!.build, t.dir);
    try {
      const list = (d: string): string[] =>
        readdirSync(d, { recursive: true, withFileTypes: true })
          .filter((e) => !e.isDirectory())
          .map((e) => relative(d, join(e.parentPath, e.name)))
          .sort();
      expect(list(staged.context)).toEqual([
        '.containerignore',
        'Containerfile',
        'Containerfile.empty',
        'link.py',
        'src/fit.py',
      ]);
      expect(lstatSync(join(staged.context, 'link.py')).isFile()).toBe(true);
      expect(readFileSync(staged.containerfile, 'utf8')).toBe('FROM localhost/base\nCOPY . /app/\n');
      const empty = stageBuild(buildIdentity(join(ctx, 'Containerfile.empty'), t.dir)!.build, t.dir);
      expect(statSync(join(empty.context, 'empty')).isDirectory()).toBe(true);
      empty.remove();
    } finally {
      staged.remove();
    }
    expect(existsSync(dirname(staged.context))).toBe(false);
  });
});
