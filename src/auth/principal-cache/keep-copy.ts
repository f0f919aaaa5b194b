import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env.ts";
import { dropHeldCopies } from "./isolate-copies.ts";
import { deleteEntries, writeEntry, type Entry } from "./location-cache.ts";

/**
 * Stores what a request just read from D1 in the location's cache, without ever letting a copy
 * outlive a change it raced with. A change (a logout, a revocation, disabling a user) writes D1 and
 * then deletes the copies; a request that read D1 just before that write could put its older
 * copy back just after the delete. So, after the put, D1 is read once more: if it no longer says
 * the same, the copy goes (here and in this isolate). Whichever order the two requests take, one
 * of them removes the stale copy (the delete runs after the put, or the second read runs after
 * the change); D1 reads go to the primary, so the second read sees every change that finished
 * before it.
 */
export async function keepCopy<T>(key: string, entry: Entry<T>, readAgain: () => Promise<T>, same: (a: T, b: T) => boolean = sameJson): Promise<void> {
  await writeEntry(key, entry);
  let now: T;
  try {
    now = await readAgain();
  } catch (e) {
    await dropCopy(key); // unconfirmed: not kept
    throw e;
  }
  if (!same(now, entry.value)) await dropCopy(key);
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Drops a copy found to disagree with D1 (not a change of this request's: nothing to hold for). */
export async function dropCopy(key: string) {
  dropHeldCopies([key]);
  await deleteEntries([key]);
}

/**
 * Lets `work` (which only fills or checks copies) run on past the response: waitUntil. It has
 * already started; nothing waits for it. Without an execution context it simply runs.
 */
export function inBackground(c: Context<AppEnv>, work: Promise<void>): void {
  const quiet = work.catch((e: unknown) => console.error(`principal cache: ${(e as Error)?.name}: ${(e as Error)?.message}`));
  try {
    c.executionCtx.waitUntil(quiet);
  } catch {
    void quiet; // no execution context (a direct call in a test): it runs on its own
  }
}
