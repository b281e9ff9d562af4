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
  return (loaded ??= (createRequire(import.meta.url)('zod') as typeof ZodModule).z);
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
