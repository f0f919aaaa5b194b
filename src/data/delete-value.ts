import type { Db } from "../../core/db/client.ts";
import { AppError } from "../../core/app-error.ts";
import { deleteVersion, findValue, type ValueRef } from "./data-store.ts";
import { preconditionFailed, unmetPrecondition, type Preconditions } from "./entity-tags.ts";

const MAX_ATTEMPTS = 5;

/**
 * Deletes a value and its bytes, only the exact version the preconditions held for (as
 * writeValue does). False when there is no value (and no precondition said there must be).
 */
export async function deleteValue(db: Db, blobs: R2Bucket, ref: ValueRef, conditions: Preconditions): Promise<boolean> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await findValue(db, ref);
    const unmet = unmetPrecondition(current?.etag ?? null, conditions);
    if (unmet) throw preconditionFailed(unmet);
    if (!current) return false;
    if (await deleteVersion(db, ref, current.etag)) {
      await blobs.delete(current.blobKey);
      return true;
    }
  }
  throw new AppError("E-CONFLICT", "the value kept changing while it was being deleted: try again");
}
