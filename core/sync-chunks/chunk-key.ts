/** Where a chunk lives in R2: per owner, by its SHA-256, so an owner's syncs share what they upload. */
export const chunkKey = (ownerId: string, sha256: string) => `chunks/${ownerId}/${sha256}`;
