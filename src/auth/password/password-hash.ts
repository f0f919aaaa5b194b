import { argon2idAsync } from "@noble/hashes/argon2.js";

/**
 * Argon2id, OWASP Password Storage Cheat Sheet's first choice, at its first listed
 * configuration: m = 19 MiB, t = 2, p = 1. Workers' WebCrypto caps PBKDF2 at
 * 100,000 iterations (below OWASP's 600,000 for SHA-256) and cannot compile WASM
 * from bytes at run time, so we use the audited pure-JS @noble/hashes; it takes
 * ~170 ms of CPU on V8, inside Workers' paid-plan CPU limit.
 *
 * Stored in the PHC string format, so parameters can be raised later and old
 * hashes still verify (and are re-hashed on the next login: see `needsRehash`).
 */
export const ARGON2_PARAMS = { m: 19456, t: 2, p: 1 } as const;
const SALT_BYTES = 16;
const HASH_BYTES = 32;

// PHC uses unpadded standard base64.
const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/=+$/, "");
const unb64 = (s: string) => Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));

export async function hashPassword(password: string, salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES))): Promise<string> {
  const { m, t, p } = ARGON2_PARAMS;
  const hash = await argon2idAsync(password, salt, { m, t, p, dkLen: HASH_BYTES });
  return `$argon2id$v=19$m=${m},t=${t},p=${p}$${b64(salt)}$${b64(hash)}`;
}

type Parsed = { m: number; t: number; p: number; salt: Uint8Array; hash: Uint8Array };

function parsePhc(phc: string): Parsed | null {
  const m = /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(phc);
  if (!m) return null;
  return { m: Number(m[1]), t: Number(m[2]), p: Number(m[3]), salt: unb64(m[4]!), hash: unb64(m[5]!) };
}

/** Compares in constant time for equal lengths; the length of a hash is not a secret. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export async function verifyPassword(password: string, phc: string): Promise<boolean> {
  const parsed = parsePhc(phc);
  if (!parsed) return false;
  // Refuse parameters an attacker-controlled row could use to burn CPU or memory.
  if (parsed.m > 262144 || parsed.t > 10 || parsed.p > 4) return false;
  const candidate = await argon2idAsync(password, parsed.salt, { m: parsed.m, t: parsed.t, p: parsed.p, dkLen: parsed.hash.length });
  return timingSafeEqual(candidate, parsed.hash);
}

export function needsRehash(phc: string): boolean {
  const parsed = parsePhc(phc);
  return !parsed || parsed.m !== ARGON2_PARAMS.m || parsed.t !== ARGON2_PARAMS.t || parsed.p !== ARGON2_PARAMS.p;
}

/**
 * A fixed hash of a random password that nobody knows. Login verifies against it
 * when the email is unknown, so an unknown email costs the same time as a wrong password.
 */
export const DECOY_PASSWORD_HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$QvTVe8HbqbgKqg0e6QLBtQp8j0Q4l7nb4kXvS7l1h1k";
