import { base64url } from "jose";

/** 128 bits from the platform CSPRNG, base64url: for ids that must not be guessed. */
export function randomToken(bytes = 16): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** A public id with a type prefix, e.g. `usr_3Jx…`, so a misplaced id is obvious in logs and URLs. */
export function newId(prefix: "usr" | "ses" | "ins" | "shr" | "tty" | "tea"): string {
  return `${prefix}_${randomToken(12)}`;
}

export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export const nowIso = (now = Date.now()) => new Date(now).toISOString();
