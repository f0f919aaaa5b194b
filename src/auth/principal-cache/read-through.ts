import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env.ts";
import { dropCopy, inBackground, keepCopy } from "./keep-copy.ts";
import { heldCopy, holdCopy } from "./isolate-copies.ts";
import { ENTRY_TTL_SECONDS, readEntry } from "./location-cache.ts";

/** Where one principal's state comes from, and what may be copied of it. */
export type Source<S> = {
  key: string;
  /** D1's answer now. */
  load: () => Promise<S>;
  /** Whether an answer may be copied (a dead API token is not: guessing secrets must fill nothing). */
  keep: (s: S) => boolean;
  /** Whether two answers say the same (default: the same JSON). */
  same?: (a: S, b: S) => boolean;
  /** Called with each answer read for a request or a refresh (not for keepCopy's check). */
  loaded?: (s: S) => Promise<void> | void;
};

/**
 * D1's answer for `source`, as fresh as the layers allow: this isolate's copy (ISOLATE_TTL_MS),
 * else this location's (ENTRY_TTL_SECONDS), else D1 itself, whose answer then fills both. A copy
 * past half its life is used and refreshed from D1 in the background, so a busy session never
 * waits for D1.
 */
export async function readThrough<S>(c: Context<AppEnv>, source: Source<S>): Promise<S> {
  const now = Date.now();
  let entry = heldCopy<S>(source.key, now);
  if (!entry) {
    entry = await readEntry<S>(source.key, now, c.get("callCounts"));
    if (entry) holdCopy(source.key, entry, now);
  }
  if (entry) {
    if (now - entry.readAt > (ENTRY_TTL_SECONDS * 1000) / 2 && !refreshing.has(source.key)) {
      refreshing.add(source.key);
      inBackground(c, refresh(source).finally(() => refreshing.delete(source.key)));
    }
    return entry.value;
  }
  const value = await source.load();
  if (source.loaded) inBackground(c, Promise.resolve(source.loaded(value)));
  if (source.keep(value)) {
    // Copies of their own: the caller's value is its to use.
    holdCopy(source.key, { value, readAt: now }, now);
    inBackground(c, keepCopy(source.key, { value: structuredClone(value), readAt: now }, source.load, source.same));
  }
  return value;
}

/** Keys this isolate is refreshing now, so a burst of requests on an aging copy starts one refresh, not one each. */
const refreshing = new Set<string>();

async function refresh<S>(source: Source<S>) {
  const readAt = Date.now();
  const value = await source.load();
  if (source.loaded) await source.loaded(value);
  if (!source.keep(value)) return dropCopy(source.key);
  holdCopy(source.key, { value, readAt }, readAt);
  await keepCopy(source.key, { value, readAt }, source.load, source.same);
}
