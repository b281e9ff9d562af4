// Bundles tsc's output (dist/) into dist/bin/: `lc.js` (the `lc` command) and
// `supervisor-main.js` (the session scheduler's supervisor, spawned by path from next to the
// code that starts it), with the commands' own modules as lazily loaded chunks.
//
// Why: Node 20 loads ES modules one file at a time through the async loader (resolve, read,
// compile, link), about 0.5 ms each; `lc status` needs ~80 of our modules before it can start,
// which cost ~35 ms of a 0.5 s budget. One file per command path loads in a few ms.
// Dependencies from node_modules stay external but for the TUI's (see below), and dist/'s
// per-module files stay as tsc wrote them (tests import them).
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';
import { lazyStringWidth, yogaWithoutFetch } from './bundle-plugins.mjs';

const BUNDLED = new Set(['ink', 'react']);
const runtimeDependencies = Object.keys(JSON.parse(readFileSync('package.json', 'utf8')).dependencies);

// Chunk names carry content hashes: start empty so no stale chunk from an earlier build ships.
rmSync('dist/bin', { recursive: true, force: true });

await build({
  entryPoints: { lc: 'dist/src/cli.js', 'supervisor-main': 'dist/engine/scheduler/supervisor-main.js' },
  outdir: 'dist/bin',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Every runtime dependency stays external except the TUI's (ink, react and what they pull
  // in): as separate files they took ~0.55 s to load (hundreds of modules, CommonJS ones
  // pre-parsed for their exports), longer than the TUI's whole first-frame budget. Bundled, they
  // load as one chunk, only on the TUI's path, with React's production build only (see
  // `define`). react-devtools-core is only for ink's DEV mode.
  external: [...runtimeDependencies.filter((d) => !BUNDLED.has(d)), 'react-devtools-core'],
  // React's and its reconciler's development builds (~770 KB of what was a 1.75 MB chunk) would
  // be bundled beside the production ones and never run (the TUI always loads production), yet
  // parsed on every start: with NODE_ENV fixed here their branches are dropped. Only bundled
  // code sees this; lc's own reads of the variable go through an alias (src/commands/tui.ts).
  define: { 'process.env.NODE_ENV': '"production"' },
  // Their CommonJS parts require Node built-ins ('assert', 'events'), which an ES module chunk
  // can only do through a require of its own.
  banner: { js: "import { createRequire as lcCreateRequire } from 'node:module'; const require = lcCreateRequire(import.meta.url);" },
  // Flat: code that finds files next to itself (the supervisor) must sit in dist/bin/ too.
  chunkNames: '[name]-[hash]',
  // Start-up costs of the TUI's dependencies, routed around (see bundle-plugins.mjs).
  plugins: [yogaWithoutFetch, lazyStringWidth({ oneColumnModule: 'dist/src/tui/text-width.js' })],
  logLevel: 'warning',
});
chmodSync('dist/bin/lc.js', 0o755);

// zod as one minified CommonJS file next to the bundle, for engine/lazy-zod.ts: requiring the
// package loads ~100 files (all its locales included), ~40-55 ms here; this file loads in ~20 ms.
// It is loaded only when something must be parsed (a fresh manifest, a journal, scheduler state).
await build({
  stdin: { contents: "export { z } from 'zod';", resolveDir: process.cwd(), sourcefile: 'zod-entry.js' },
  outfile: 'dist/bin/zod.cjs',
  bundle: true,
  minify: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
