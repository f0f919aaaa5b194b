import type { Db } from "../../core/db/client.ts";
import type { UserDataRow } from "../../core/db/schema.ts";
import { AppError } from "../../core/app-error.ts";
import { nowIso } from "../../core/ids.ts";
import { newVersion } from "./blob-keys.ts";
import { findValue, insertFirstVersion, replaceVersion, usageOf, type ValueRef } from "./data-store.ts";
import { preconditionFailed, unmetPrecondition, type Preconditions } from "./entity-tags.ts";

/** Rounds an unconditional write retries while other writers keep replacing the value under it. */
const MAX_ATTEMPTS = 5;

export type NewValue = { bytes: Uint8Array; contentType: string };

/**
 * Stores a new version of a value. The bytes go to a fresh R2 object first, then one conditional
 * D1 statement makes it current, only over the exact version the preconditions were checked
 * against. When another writer got there first, the preconditions are checked again against what
 * is there now: with `If-Match` that is a 412 for the loser, without it the write goes on top.
 * Whichever object ends up unused (the loser's, or the version replaced) is deleted.
 */
export async function writeValue(
  db: Db,
  blobs: R2Bucket,
  ref: ValueRef,
  value: NewValue,
  opts: { quotaBytes: number; conditions: Preconditions },
): Promise<{ row: UserDataRow; created: boolean }> {
  const version = newVersion(ref.ownerId, ref.scope);
  await blobs.put(version.blobKey, value.bytes, { httpMetadata: { contentType: value.contentType } });
  let outcome: { row: UserDataRow; replaced: UserDataRow | undefined };
  try {
    outcome = await makeCurrent(db, ref, { ...version, ...value }, opts);
  } catch (e) {
    await blobs.delete(version.blobKey);
    throw e;
  }
  if (outcome.replaced) await blobs.delete(outcome.replaced.blobKey);
  return { row: outcome.row, created: !outcome.replaced };
}

async function makeCurrent(
  db: Db,
  ref: ValueRef,
  value: NewValue & { etag: string; blobKey: string },
  opts: { quotaBytes: number; conditions: Preconditions },
): Promise<{ row: UserDataRow; replaced: UserDataRow | undefined }> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await findValue(db, ref);
    const unmet = unmetPrecondition(current?.etag ?? null, opts.conditions);
    if (unmet) throw preconditionFailed(unmet);
    const at = nowIso();
    const row: UserDataRow = {
      ...ref, blobKey: value.blobKey, etag: value.etag, contentType: value.contentType, size: value.bytes.byteLength,
      createdAt: current?.createdAt ?? at, updatedAt: at,
    };
    const written = current ? await replaceVersion(db, current.etag, row, opts.quotaBytes) : await insertFirstVersion(db, row, opts.quotaBytes);
    if (written) return { row, replaced: current };
    // Not written: either another writer changed the value, or the quota refused it. If the
    // value is still as it was, it was the quota.
    const now = await findValue(db, ref);
    if ((now?.etag ?? null) === (current?.etag ?? null)) throw await quotaExceeded(db, ref.ownerId, opts.quotaBytes, row.size - (current?.size ?? 0));
  }
  throw new AppError("E-CONFLICT", "the value kept changing while it was being written: try again");
}

async function quotaExceeded(db: Db, ownerId: string, quotaBytes: number, more: number): Promise<AppError> {
  const used = await usageOf(db, ownerId);
  return new AppError("E-QUOTA", `storage quota exceeded: ${used} of ${quotaBytes} bytes used, and this value needs ${more} more`);
}
