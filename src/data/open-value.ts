import type { Db } from "../../core/db/client.ts";
import type { UserDataRow } from "../../core/db/schema.ts";
import { AppError } from "../../core/app-error.ts";
import { findValue, type ValueRef } from "./data-store.ts";

const MAX_ATTEMPTS = 3;

/**
 * A value's current version and its bytes, or null when there is none. `body` is null when
 * `wantBody` says the caller already has this version (a 304). A writer may replace the value
 * between the D1 read and the R2 read and delete the old object: then the new version is read.
 */
export async function openValue(
  db: Db,
  blobs: R2Bucket,
  ref: ValueRef,
  wantBody: (row: UserDataRow) => boolean,
): Promise<{ row: UserDataRow; body: ReadableStream | null } | null> {
  let missing: string | null = null;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const row = await findValue(db, ref);
    if (!row) return null;
    if (!wantBody(row)) return { row, body: null };
    // The same version twice without its object: it was not replaced, it is gone.
    if (missing === row.blobKey) throw new AppError("E-INTERNAL", "the value's bytes are missing from storage");
    const object = await blobs.get(row.blobKey);
    if (object) return { row, body: object.body };
    missing = row.blobKey;
  }
  throw new AppError("E-CONFLICT", "the value kept changing while it was being read: try again");
}
