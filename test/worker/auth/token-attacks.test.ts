import { SignJWT, UnsecuredJWT, base64url, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { call, errorOf, expiredAccessToken, json, register, testEnv } from "../helpers.ts";
import { loadConfig } from "../../../src/config.ts";
import { openDb } from "../../../core/db/client.ts";
import { jwks } from "../../../src/auth/tokens/signing-keys.ts";

async function expectRefused(token: string, why: RegExp) {
  const res = await call("/auth/user", { token });
  expect(res.status).toBe(401);
  const err = errorOf(await json(res));
  expect(err.code).toBe("E-AUTH-UNAUTH");
  expect(err.message).toMatch(why);
}

/** Re-encodes a token with a new payload but the original header and signature. */
function withPayload(token: string, change: (p: Record<string, unknown>) => void): string {
  const [h, , s] = token.split(".");
  const payload = decodeJwt(token) as Record<string, unknown>;
  change(payload);
  return `${h}.${base64url.encode(JSON.stringify(payload))}.${s}`;
}

describe("access-token attacks", () => {
  it("accepts a genuine token (the control case)", async () => {
    const s = await register();
    const header = decodeProtectedHeader(s.access);
    expect(header).toMatchObject({ alg: "ES256", kid: "test-1" });
    const claims = decodeJwt(s.access);
    expect(claims).toMatchObject({ sub: s.userId, sid: s.sessionId, roles: ["user"], provider: "password" });
    expect(typeof claims.jti).toBe("string");
    expect(claims.exp! - claims.iat!).toBe(900);
    expect((await call("/auth/user", { token: s.access })).status).toBe(200);
  });

  it("refuses alg: none", async () => {
    const s = await register();
    const claims = decodeJwt(s.access);
    const forged = new UnsecuredJWT({ ...claims }).encode();
    await expectRefused(forged, /invalid access token/);
  });

  it("refuses HS256 signed with the public key as the HMAC secret", async () => {
    const s = await register();
    const pub = jwks(loadConfig(testEnv)).keys[0]!;
    const secret = new TextEncoder().encode(JSON.stringify(pub));
    const forged = await new SignJWT({ ...decodeJwt(s.access) }).setProtectedHeader({ alg: "HS256", kid: pub.kid }).sign(secret);
    await expectRefused(forged, /invalid access token/);
  });

  it("refuses a token signed by a key we do not know, under an unknown kid", async () => {
    const s = await register();
    const { privateKey } = await generateKeyPair("ES256");
    const forged = await new SignJWT({ ...decodeJwt(s.access) }).setProtectedHeader({ alg: "ES256", kid: "attacker" }).sign(privateKey);
    await expectRefused(forged, /unknown key/);
  });

  it("refuses a token signed by an attacker's key under our kid", async () => {
    const s = await register();
    const { privateKey } = await generateKeyPair("ES256");
    const forged = await new SignJWT({ ...decodeJwt(s.access) }).setProtectedHeader({ alg: "ES256", kid: "test-1" }).sign(privateKey);
    await expectRefused(forged, /invalid access token/);
  });

  it("refuses a tampered payload (roles raised to admin)", async () => {
    const s = await register();
    await expectRefused(withPayload(s.access, (p) => (p.roles = ["user", "admin"])), /invalid access token/);
  });

  it("refuses a tampered payload (another subject)", async () => {
    const a = await register();
    const b = await register();
    await expectRefused(withPayload(a.access, (p) => (p.sub = b.userId)), /invalid access token/);
  });

  it("refuses an expired token even when correctly signed", async () => {
    const s = await register();
    await expectRefused(await expiredAccessToken(s), /expired/);
  });

  it("refuses a correctly signed token once its session has ended, though this location had it cached", async () => {
    const s = await register();
    expect((await call("/auth/user", { token: s.access })).status).toBe(200); // now in the location cache
    const { revokeSession } = await import("../../../src/auth/session/session-store.ts");
    await revokeSession(openDb(testEnv.DB), s.sessionId, "test");
    await expectRefused(s.access, /session has ended/);
  });

  it("refuses a malformed Authorization header and garbage tokens", async () => {
    const res = await call("/auth/user", { headers: { authorization: "Basic abc" } });
    expect(res.status).toBe(401);
    await expectRefused("not.a.jwt", /invalid access token/);
  });
});

describe("signing-key rotation", () => {
  it("keeps old tokens valid when a new key is put first, and signs new ones with it", async () => {
    const s = await register();
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const newKey = { ...(await exportJWK(privateKey)), kid: "test-2" };
    const rotated = JSON.stringify([newKey, ...JSON.parse(testEnv.JWT_SIGNING_KEYS!)]);

    // The old token still verifies under the rotated key set.
    expect((await call("/auth/user", { token: s.access, env: { JWT_SIGNING_KEYS: rotated } })).status).toBe(200);
    // Both keys are published.
    const set = await json(await call("/.well-known/jwks.json", { env: { JWT_SIGNING_KEYS: rotated } }));
    expect(set.keys.map((k: { kid: string }) => k.kid)).toEqual(["test-2", "test-1"]);
    expect(set.keys[0]).not.toHaveProperty("d");
    // New tokens carry the new kid.
    const fresh = await json(await call("/auth/refresh", { body: { refresh_token: s.refresh }, env: { JWT_SIGNING_KEYS: rotated } }));
    expect(decodeProtectedHeader(fresh.tokens.access_token).kid).toBe("test-2");
    // Once the old key is retired, its tokens stop working.
    const retired = JSON.stringify([newKey]);
    expect((await call("/auth/user", { token: s.access, env: { JWT_SIGNING_KEYS: retired } })).status).toBe(401);
    expect((await call("/auth/user", { token: fresh.tokens.access_token, env: { JWT_SIGNING_KEYS: retired } })).status).toBe(200);
  });
});

it("refuses a token issued for another deployment (issuer checked)", async () => {
  const s = await register();
  expect((await call("/auth/user", { token: s.access, env: { APP_ORIGIN: "https://other.example" } })).status).toBe(401);
});
