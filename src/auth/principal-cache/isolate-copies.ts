import { ENTRY_TTL_SECONDS, type Entry } from "./location-cache.ts";

/**
 * This isolate's own copies of what the location cache holds, each for at most
 * `ISOLATE_TTL_MS`, so a burst of requests (a page load, a script's loop, an app's assets through
 * the proxy) asks the location cache once rather than once per request.
 *
 * Module state, which DESIGN.md keeps out of the Worker because isolates do not see each other's
 * memory. What makes this safe is the other half: every change that forgets copies (forget.ts)
 * holds its own response until `ISOLATE_TTL_MS` have passed (holdAfterChange). A copy another
 * isolate took before the change is older than that by the time anyone learns the change was
 * made, so no request sent after a change's answer, on any machine of the location, can be served
 * from a copy older than the change. Copies are handed out as clones: no request can alter
 * another's.
 */
export const ISOLATE_TTL_MS = 500;

/** Bounds the memory: a copy is about a kilobyte. The oldest goes first. */
const MAX_COPIES = 2000;

const copies = new Map<string, { entry: Entry<unknown>; heldAt: number }>();

/** This isolate's copy of `key` while it is younger than ISOLATE_TTL_MS, else null. */
export function heldCopy<T>(key: string, now: number): Entry<T> | null {
  const held = copies.get(key);
  if (!held) return null;
  // Young enough here, and what it copies still within the location's own bound.
  if (now - held.heldAt >= ISOLATE_TTL_MS || now < held.heldAt || now - held.entry.readAt >= ENTRY_TTL_SECONDS * 1000) {
    copies.delete(key);
    return null;
  }
  return structuredClone(held.entry) as Entry<T>;
}

export function holdCopy<T>(key: string, entry: Entry<T>, now: number): void {
  copies.delete(key); // re-inserted last: the Map's order is the age order
  copies.set(key, { entry: structuredClone(entry), heldAt: now });
  while (copies.size > MAX_COPIES) copies.delete(copies.keys().next().value!);
}

export function dropHeldCopies(keys: string[]): void {
  for (const k of keys) copies.delete(k);
}

/**
 * Requests whose handling forgot copies, by their database handle (one per request: src/app.ts
 * opens it for each). Weak: it goes with the request.
 */
const changedBy = new WeakSet<object>();

/** Called by every forget: the request that made the change must answer only after the hold. */
export function markChange(requestDb: object): void {
  changedBy.add(requestDb);
}

export function madeChange(requestDb: object | undefined): boolean {
  return requestDb !== undefined && changedBy.has(requestDb);
}
