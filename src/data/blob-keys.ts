import type { DataScope } from "@anchorage/common";
import { randomToken } from "../../core/ids.ts";

/**
 * A new version of a value: its strong ETag and the R2 object that holds its bytes. Each
 * version has an object of its own, never overwritten in place, so a reader that found a
 * version in D1 never gets another version's bytes under its ETag.
 */
export function newVersion(ownerId: string, scope: DataScope): { etag: string; blobKey: string } {
  const version = randomToken(16);
  return { etag: `"${version}"`, blobKey: `data/${ownerId}/${scope}/${version}` };
}

/** Where all of an owner's value objects live in R2. */
export const ownerBlobPrefix = (ownerId: string) => `data/${ownerId}/`;
