import { SignJWT, createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { call, errorOf, json, register, testEnv, type Session } from "../helpers.ts";
import { loadConfig } from "../../../src/config.ts";
import { currentSigningKey } from "../../../src/auth/tokens/signing-keys.ts";
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_TYP, verifyAccessToken } from "../../../src/auth/tokens/access-token.ts";
import { PROXY_TOKEN_TYP, verifyProxyToken } from "../../../src/cloud/proxy/proxy-token.ts";
import { REGISTRY_TOKEN_TYP } from "../../../src/registry/registry-token.ts";

const config = () => loadConfig(testEnv);
const basic = (token: string) => ({ authorization: `Basic ${btoa(`anyone:${token}`)}` });

/** Signs with the deployment's own key and issuer: only the header's typ and the aud say what it is. */
async function signed(typ: string, aud: string, claims: Record<string, unknown>) {
  const { kid, key } = await currentSigningKey(config());
  return new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid, typ }).setIssuer(config().issuer).setAudience(aud).setJti("j-" + Math.random()).setIssuedAt().setExpirationTime("5m").sign(key);
}

/** The claims of a real session's access token, to put under another header or audience. */
const accessClaims = (s: Session) => {
  const { sub, sid, roles, provider } = decodeJwt(s.access);
  return { sub, sid, roles, provider };
};

async function expectRefusedAsAccessToken(token: string) {
  const res = await call("/auth/user", { token });
  expect(res.status).toBe(401);
  expect(errorOf(await json(res)).code).toBe("E-AUTH-UNAUTH");
  await expect(verifyAccessToken(config(), token)).rejects.toThrow();
}

async function registryToken(s: Session, service: string) {
  const made = await call("/api/tokens", { token: s.access, body: { name: "registry", scopes: [{ scope: `storage.${s.userId}.registry`, actions: ["pull"] }] } });
  return call(`/v2/token?service=${encodeURIComponent(service)}`, { headers: basic((await json(made)).token) });
}

describe("every JWT Anchorage signs is typed and bound to one audience (RFC 8725 §3.11)", () => {
  it("types access tokens at+jwt (RFC 9068), registry and proxy tokens each their own", async () => {
    const s = await register();
    expect(decodeProtectedHeader(s.access).typ).toBe(ACCESS_TOKEN_TYP);
    expect(ACCESS_TOKEN_TYP).toBe("at+jwt");
    const reg = await json(await registryToken(s, "registry.example.test"));
    expect(decodeProtectedHeader(reg.token).typ).toBe(REGISTRY_TOKEN_TYP);
    const types = new Set([ACCESS_TOKEN_TYP, REGISTRY_TOKEN_TYP, PROXY_TOKEN_TYP.handoff, PROXY_TOKEN_TYP.cookie]);
    expect(types.size).toBe(4);
  });

  it("refuses a registry token as an access token, even one carrying a session's claims and the access audience", async () => {
    const s = await register();
    const reg = await json(await registryToken(s, "registry.example.test"));
    await expectRefusedAsAccessToken(reg.token);
    // Forged the worst way a registry token could look: the access token's aud and every claim it needs.
    await expectRefusedAsAccessToken(await signed(REGISTRY_TOKEN_TYP, ACCESS_TOKEN_AUDIENCE, accessClaims(s)));
    // Nor may a client ask /v2/token for one of our own audiences.
    for (const service of [ACCESS_TOKEN_AUDIENCE, "anchorage-proxy", "anchorage-proxy-cookie", config().issuer]) {
      const res = await registryToken(s, service);
      expect(res.status, service).toBe(400);
      expect(errorOf(await json(res)).fields?.[0]?.path).toBe("service");
    }
  });

  it("an access token is not a registry token: a registry checking typ and aud refuses it", async () => {
    const s = await register();
    const jwks = createLocalJWKSet(await json(await call("/.well-known/jwks.json")));
    const asRegistry = { typ: REGISTRY_TOKEN_TYP, issuer: config().issuer, audience: "registry.example.test" };
    const reg = await json(await registryToken(s, "registry.example.test"));
    await expect(jwtVerify(reg.token, jwks, asRegistry)).resolves.toBeTruthy(); // the control case
    await expect(jwtVerify(s.access, jwks, asRegistry)).rejects.toThrow();
    // And /v2/token takes no access token as its credential.
    expect((await call("/v2/token?service=registry.example.test", { headers: basic(s.access) })).status).toBe(401);
  });

  it("refuses a proxy token as an access token, and an access token as a proxy token", async () => {
    const owner = await register();
    const res = await call("/api/cloud/instances/register", {
      token: owner.access,
      body: { name: "typ-box", public_key: { kty: "EC", crv: "P-256", x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" }, proxy: { slug: `typ-${Date.now().toString(36)}`, target: "http://127.0.0.1:9", access: "users" } },
    });
    const instanceId = (await json(res)).instance_id as string;
    const { proxy_token } = await json(await call("/auth/proxy-token", { token: owner.access, body: { instance_id: instanceId } }));
    expect(decodeProtectedHeader(proxy_token).typ).toBe(PROXY_TOKEN_TYP.handoff);
    await expectRefusedAsAccessToken(proxy_token);
    await expectRefusedAsAccessToken(await signed(PROXY_TOKEN_TYP.handoff, ACCESS_TOKEN_AUDIENCE, accessClaims(owner)));
    await expect(verifyProxyToken(config(), "handoff", proxy_token, instanceId)).resolves.toMatchObject({ ins: instanceId }); // the control case
    // One proxy kind is not the other, nor is an access token, even under the proxy audience.
    await expect(verifyProxyToken(config(), "cookie", proxy_token, instanceId)).rejects.toThrow();
    const claims = { ...accessClaims(owner), ins: instanceId };
    await expect(verifyProxyToken(config(), "handoff", await signed(ACCESS_TOKEN_TYP, "anchorage-proxy", claims), instanceId)).rejects.toThrow();
    await expect(verifyProxyToken(config(), "handoff", await signed(PROXY_TOKEN_TYP.cookie, "anchorage-proxy", claims), instanceId)).rejects.toThrow();
    await expect(verifyProxyToken(config(), "handoff", await signed(PROXY_TOKEN_TYP.handoff, "anchorage-proxy", claims), instanceId)).resolves.toBeTruthy();
  });

  it("refuses a token with the right typ but the wrong aud, and one with the right aud but no typ", async () => {
    const s = await register();
    const claims = accessClaims(s);
    // Control: the same forging path with the right typ and aud is accepted.
    expect((await call("/auth/user", { token: await signed(ACCESS_TOKEN_TYP, ACCESS_TOKEN_AUDIENCE, claims) })).status).toBe(200);
    await expectRefusedAsAccessToken(await signed(ACCESS_TOKEN_TYP, "registry.example.test", claims));
    await expectRefusedAsAccessToken(await signed(ACCESS_TOKEN_TYP, "anchorage-proxy", claims));
    await expectRefusedAsAccessToken(await signed("JWT", ACCESS_TOKEN_AUDIENCE, claims));
    const { kid, key } = await currentSigningKey(config());
    const untyped = await new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid }).setIssuer(config().issuer).setAudience(ACCESS_TOKEN_AUDIENCE).setJti("j-untyped").setIssuedAt().setExpirationTime("5m").sign(key);
    await expectRefusedAsAccessToken(untyped);
  });
});
