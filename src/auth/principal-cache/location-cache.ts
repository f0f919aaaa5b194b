import type { CallCounts } from "../../http/call-counts.ts";

/**
 * The cache of the Cloudflare location (data centre) that serves the request: the Workers Cache
 * API. Its contents stay in that location ("the contents of the cache do not replicate outside of
 * the originating data center", developers.cloudflare.com/workers/runtime-apis/cache/), and
 * every isolate and machine there sees the same entries (each isolate's own half-second copies of
 * them are isolate-copies.ts).
 *
 * It is only ever a copy of what D1 says, kept for at most `ENTRY_TTL_SECONDS`: an entry that is
 * missing, unreadable or expired means "ask D1", so a cache that stores nothing (the Cache API is a
 * no-op on *.workers.dev and behind Cloudflare Access, same page) only makes requests read D1
 * more often, never decide otherwise.
 */

/** How long a location trusts its copy of a session or token before reading D1 again. */
export const ENTRY_TTL_SECONDS = 30;

/**
 * A name of its own, so nothing else on the zone (the proxy, a page rule) shares its keys; the
 * host is under `.invalid` (RFC 2606), so no request from outside can ever be cached under one.
 */
const CACHE_NAME = "anchorage-auth:v1";
const KEY_ORIGIN = "https://principal.anchorage.invalid";

export type Entry<T> = { value: T; readAt: number };

/** The location's cache, or null where the runtime has none (Node scripts). */
async function open(counts?: CallCounts): Promise<Cache | null> {
  if (typeof caches === "undefined") return null;
  if (counts) counts.cache++;
  return caches.open(CACHE_NAME);
}

const keyUrl = (key: string) => `${KEY_ORIGIN}/${key}`;

/** The entry under `key` while it is younger than the TTL, else null. */
export async function readEntry<T>(key: string, now: number, counts?: CallCounts): Promise<Entry<T> | null> {
  const cache = await open(counts);
  const res = await cache?.match(keyUrl(key));
  if (!res) return null;
  try {
    const entry = (await res.json()) as Entry<T>;
    const age = now - entry.readAt;
    return age >= 0 && age < ENTRY_TTL_SECONDS * 1000 ? entry : null;
  } catch {
    return null;
  }
}

export async function writeEntry<T>(key: string, entry: Entry<T>): Promise<void> {
  const cache = await open();
  await cache?.put(keyUrl(key), new Response(JSON.stringify(entry), { headers: { "content-type": "application/json", "cache-control": `max-age=${ENTRY_TTL_SECONDS}` } }));
}

/** Forgets `keys` in this location; other locations let their copies expire (ENTRY_TTL_SECONDS). */
export async function deleteEntries(keys: string[]): Promise<void> {
  if (!keys.length) return;
  const cache = await open();
  if (cache) await Promise.all(keys.map((k) => cache.delete(keyUrl(k))));
}
