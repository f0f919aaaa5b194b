import { describe, expect, it } from "vitest";
import { createLocalJWKSet, jwtVerify } from "jose";
import { call, errorOf, json, register, type Session } from "../helpers.ts";
import { registryNamespace } from "../../../src/registry/registry-token.ts";

const basic = (token: string) => ({ authorization: `Basic ${btoa(`anyone:${token}`)}` });

async function apiToken(s: Session, scopes: { scope: string; actions: string[] }[]) {
  const res = await call("/api/tokens", { token: s.access, body: { name: "registry", scopes } });
  expect(res.status).toBe(201);
  return (await json(res)).token as string;
}

async function registryToken(token: string, scopes: string[]) {
  const q = new URLSearchParams([["service", "registry.example.test"], ...scopes.map((s) => ["scope", s] as [string, string])]);
  return call(`/v2/token?${q}`, { headers: basic(token) });
}

describe("GET /v2/token (Docker token authentication)", () => {
  it("grants the requested actions the API token's registry scopes hold, in the user's namespace, signed by the JWKS keys", async () => {
    const owner = await register();
    const ns = await registryNamespace(owner.userId);
    const token = await apiToken(owner, [{ scope: `storage.${owner.userId}.registry.${ns}/app`, actions: ["pull"] }]);
    const res = await registryToken(token, [`repository:${ns}/app:pull,push`, `repository:${ns}/other:pull`]);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.token).toBe(body.access_token);
    expect(body.expires_in).toBe(300);
    expect(body.namespace).toBe(ns);
    const jwks = createLocalJWKSet(await json(await call("/.well-known/jwks.json")));
    const { payload, protectedHeader } = await jwtVerify(body.token, jwks, { audience: "registry.example.test", issuer: "http://localhost:8787" });
    expect(protectedHeader.alg).toBe("ES256");
    expect(payload.sub).toBe(owner.userId);
    expect(payload.access).toEqual([
      { type: "repository", name: `${ns}/app`, actions: ["pull"] },
      { type: "repository", name: `${ns}/other`, actions: [] },
    ]);
  });

  it("never grants a repository outside the user's namespace, whatever the scopes say", async () => {
    const owner = await register();
    const other = await register();
    const theirs = `${await registryNamespace(other.userId)}/app`;
    const token = await apiToken(owner, [{ scope: `storage.${owner.userId}.registry`, actions: ["pull", "push"] }]);
    const body = await json(await registryToken(token, [`repository:${theirs}:pull,push`]));
    const { decodeJwt } = await import("jose");
    expect(decodeJwt(body.token).access).toEqual([{ type: "repository", name: theirs, actions: [] }]);
  });

  it("asks for Basic credentials with an API token, and refuses bad scopes", async () => {
    const res = await call("/v2/token?service=r");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
    expect((await call("/v2/token?service=r", { headers: basic("anc_wrong") })).status).toBe(401);
    const owner = await register();
    expect((await call("/v2/token?service=r", { headers: basic(owner.access) })).status).toBe(401); // a session JWT is not an API token
    const token = await apiToken(owner, [{ scope: `storage.${owner.userId}.registry`, actions: ["pull"] }]);
    const bad = await call("/v2/token?service=r&scope=repository:UPPER/case:pull", { headers: basic(token) });
    expect(bad.status).toBe(400);
    expect(errorOf(await json(bad)).fields?.[0]?.path).toBe("scope.0");
  });
});
