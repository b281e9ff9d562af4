// esbuild plugins for scripts/bundle.mjs: start-up costs of the TUI's dependencies that Node
// pays on every `lc` start unless the bundle routes around them. Each one fails the build when
// the module it expects is not there, so a dependency that moves cannot silently bring its
// cost back.
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';

// Ink lays out with yoga-layout, whose WebAssembly ships as a base64 data: URL. Its Emscripten
// loader fetches that URL when a global `fetch` exists, and in Node the first call of `fetch`
// loads undici, Node's HTTP client: ~40 ms of the TUI's start-up only to decode base64. With
// `fetch` shadowed in that one module the loader takes its own synchronous path (decode, then
// WebAssembly.instantiate).
const YOGA_WASM_MODULE = /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/;

export const yogaWithoutFetch = {
  name: 'yoga-without-fetch',
  setup(build) {
    let seen = false;
    build.onLoad({ filter: YOGA_WASM_MODULE }, (args) => {
      seen = true;
      return { contents: `const fetch = undefined;\n${readFileSync(args.path, 'utf8')}`, loader: 'js' };
    });
    build.onEnd((result) => {
      if (result.errors.length === 0 && !seen) throw new Error(`bundle: no module matched ${YOGA_WASM_MODULE}; yoga-layout changed its layout`);
    });
  },
};

// string-width (Ink's, widest-line's and cli-truncate's) builds an Intl.Segmenter and the
// regular expressions of all emoji sequences when it is loaded (45-60 ms), and compiles them on
// its first non-ASCII string (25-30 ms more), though the TUI's lines are ASCII and lc's own
// one-column glyphs. Those importers get a stand-in that answers such lines through
// `oneColumnWidth` (src/tui/text-width.ts) and loads string-width, through a require the bundle
// turns into a lazy initialiser, on the first line that needs it. Other copies of string-width
// (another major version nested under a package) are left as they are.
const LAZY_NAMESPACE = 'lc-lazy-string-width';

/** @param {{ oneColumnModule: string }} options: the compiled src/tui/text-width.js */
export function lazyStringWidth({ oneColumnModule }) {
  return {
    name: 'lazy-string-width',
    setup(build) {
      let shared;
      let redirected = 0;
      build.onStart(async () => {
        const found = await build.resolve('string-width', { kind: 'import-statement', resolveDir: process.cwd(), pluginData: { real: true } });
        if (found.errors.length > 0) throw new Error('bundle: string-width is not installed next to package.json');
        shared = found.path;
      });
      build.onResolve({ filter: /^string-width$/ }, async (args) => {
        if (args.pluginData?.real) return undefined;
        const found = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: { real: true } });
        if (found.path !== shared) return found;
        redirected += 1;
        return { path: 'string-width', namespace: LAZY_NAMESPACE };
      });
      build.onLoad({ filter: /.*/, namespace: LAZY_NAMESPACE }, () => ({
        resolveDir: process.cwd(),
        loader: 'js',
        contents: standIn(resolvePath(oneColumnModule), shared),
      }));
      build.onEnd((result) => {
        if (result.errors.length === 0 && redirected === 0) throw new Error('bundle: nothing imports string-width any more; drop the lazy-string-width plugin');
      });
    },
  };
}

function standIn(oneColumnModule, realModule) {
  return `import { oneColumnWidth } from ${JSON.stringify(oneColumnModule)};
let real;
export default function stringWidth(text, options) {
  if (typeof text === 'string' && options?.countAnsiEscapeCodes !== true && options?.ambiguousIsNarrow !== false) {
    const width = oneColumnWidth(text);
    if (width !== undefined) return width;
  }
  real ??= require(${JSON.stringify(realModule)}).default;
  return real(text, options);
}
`;
}
