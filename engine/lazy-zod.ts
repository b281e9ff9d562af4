/**
 * zod on first use instead of at import time. Importing zod costs ~55 ms of a 0.5 s budget
 * (`lc status`, no-op `lc run` on 10,000 tasks), and on those paths schemas are needed only
 * when something must be parsed (a manifest the observation cache does not vouch for, a
 * failure record, an input-hash cache file). A synchronous require keeps the parsing
 * functions synchronous (the status hot path reads manifests with sync calls).
 */
import { createRequire } from 'node:module';
import type * as ZodModule from 'zod';

type Z = typeof ZodModule.z;

let loaded: Z | undefined;

/** The `z` namespace, loaded once. */
export function zod(): Z {
  return (loaded ??= load());
}

/**
 * From the bundle, zod comes pre-bundled in one minified file next to it (scripts/bundle.mjs:
 * ~20 ms instead of ~45 ms for the package's ~100 files); from tsc's output and under vitest,
 * from the package.
 */
function load(): Z {
  const require = createRequire(import.meta.url);
  if (import.meta.url.includes('/dist/bin/')) {
    try {
      return (require('./zod.cjs') as typeof ZodModule).z;
    } catch {
      // an incomplete build: the package is the same zod
    }
  }
  return (require('zod') as typeof ZodModule).z;
}

/** `build()` run once, on the first call. */
export function once<T>(build: () => T): () => T {
  let box: { v: T } | undefined;
  return () => (box ??= { v: build() }).v;
}

/**
 * A stand-in for an object built on first property access, so modules can keep exporting
 * schema constants (`ManifestV2Schema.safeParse(...)`) without building them at import time.
 */
export function deferred<T extends object>(get: () => T): T {
  return new Proxy({} as T, {
    get(_target, key) {
      const real = get();
      const v: unknown = Reflect.get(real, key, real);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(real) : v;
    },
    has: (_target, key) => Reflect.has(get(), key),
  });
}
