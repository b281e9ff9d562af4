/**
 * What image references resolved to when lc last made sure of them (`python:3.12-slim` ->
 * `sha256:...`), learned by every `lc run` and `lc build`. Status compares an output's recorded
 * image_id with it: a tag that now names another image (a `lc build --force` pulled a newer
 * one) makes the outputs that ran in the old one stale. References pinned by digest, and
 * images lc builds under content-addressed tags, never move and are not kept here.
 *
 * File: `<scratch>/.lightcone/cache/<project>/images.json`, schema-versioned. It is a cache of
 * facts about this user's runtime storage: unreadable or foreign means "not known", and an
 * output whose reference is not known here is judged by its declaration alone.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once, zod } from '../lazy-zod.js';

export const KNOWN_IMAGES_FILE = 'images.json';
const KNOWN_IMAGES_SCHEMA = 1;

const schema = once(() => {
  const z = zod();
  return z.object({
    schema: z.literal(KNOWN_IMAGES_SCHEMA),
    images: z.record(z.string(), z.object({ id: z.string().regex(/^sha256:[0-9a-f]{64}$/), runtime: z.string(), seen_at: z.string() })),
  });
});

export interface KnownImage {
  id: string;
  runtime: string;
  /** ISO time lc last saw the reference resolve to `id`. */
  seen_at: string;
}

/** A reference whose image can move: not pinned by digest. */
export const movable = (reference: string): boolean => !/@sha256:[0-9a-f]{64}$/.test(reference);

/** The known resolutions of one project's references (cacheDir: `scratch.cache`); empty when none. */
export function readKnownImages(cacheDir: string): Map<string, KnownImage> {
  const path = join(cacheDir, KNOWN_IMAGES_FILE);
  const key = statKey(path);
  if (key === null) return new Map();
  if (memo?.path === path && memo.key === key) return memo.images;
  let images = new Map<string, KnownImage>();
  try {
    const parsed = schema().safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (parsed.success) images = new Map(Object.entries(parsed.data.images));
  } catch {
    // damaged or half-written by a crashed writer: not known
  }
  memo = { path, key, images };
  return images;
}

/** Record what references resolved to now, merged with what the file holds (atomic replace). */
export function recordKnownImages(cacheDir: string, learned: ReadonlyMap<string, KnownImage>): void {
  if (learned.size === 0) return;
  const images = new Map(readKnownImages(cacheDir));
  for (const [ref, k] of learned) images.set(ref, k);
  mkdirSync(cacheDir, { recursive: true });
  const path = join(cacheDir, KNOWN_IMAGES_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ schema: KNOWN_IMAGES_SCHEMA, images: Object.fromEntries(images) }, null, 1) + '\n');
  renameSync(tmp, path);
  memo = undefined;
}

let memo: { path: string; key: string; images: Map<string, KnownImage> } | undefined;

function statKey(path: string): string | null {
  const st = statSync(path, { throwIfNoEntry: false, bigint: true });
  return st ? `${st.ino}:${st.size}:${st.mtimeNs}` : null;
}
