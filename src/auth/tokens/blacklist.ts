/**
 * The access-token blacklist: `bl:<jti>` in KV until the token's own expiry.
 * KV is eventually consistent (about a minute), so it is not what makes a logout
 * instant: the session row in D1 is revoked too and checked on every request.
 * KV's TTL floor is 60 s (Workers KV docs, expirationTtl).
 */
const key = (jti: string) => `bl:${jti}`;

export async function blacklistAccessToken(kv: KVNamespace, jti: string, expiresAtSeconds: number, now = Date.now()): Promise<void> {
  const ttl = Math.max(60, expiresAtSeconds - Math.floor(now / 1000));
  await kv.put(key(jti), "1", { expirationTtl: ttl });
}

export async function isBlacklisted(kv: KVNamespace, jti: string): Promise<boolean> {
  return (await kv.get(key(jti))) !== null;
}
