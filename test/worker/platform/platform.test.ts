import { describe, expect, it } from "vitest";
import { call, errorOf, json } from "../helpers.ts";

describe("platform endpoints", () => {
  it("GET /healthz → 200", async () => {
    const res = await call("/healthz");
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ status: "ok" });
  });

  it("GET /openapi.json describes the routes from the same schemas that validate them", async () => {
    const doc = await json(await call("/openapi.json"));
    expect(doc.openapi).toBe("3.1.0");
    for (const p of ["/auth/register", "/auth/login", "/auth/refresh", "/auth/logout", "/auth/validate", "/auth/user", "/auth/users", "/api/settings/password", "/api/settings/sessions/{id}", "/admin/users/{id}", "/admin/sessions", "/auth/device/code", "/auth/device/token", "/auth/device/approve", "/api/cloud/instances", "/api/cloud/instance/{id}/command", "/api/cloud/shares/save", "/agent/challenge"]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    const body = doc.paths["/auth/register"].post.requestBody.content["application/json"].schema;
    expect(body.required).toEqual(expect.arrayContaining(["email", "password"]));
    expect(body.properties.password.minLength).toBe(12);
  });

  it("GET /docs is a readable page listing the operations", async () => {
    const res = await call("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain("/auth/login");
    expect(html).not.toMatch(/<script/);
  });

  it("GET /.well-known/jwks.json publishes public keys only", async () => {
    const set = await json(await call("/.well-known/jwks.json"));
    expect(set.keys).toHaveLength(1);
    expect(set.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig", kid: "test-1" });
    expect(set.keys[0]).not.toHaveProperty("d");
  });

  it("GET /auth/config says how one can sign in", async () => {
    expect(await json(await call("/auth/config"))).toMatchObject({ registration: "open", providers: [] });
  });
});

describe("configuration is validated", () => {
  it("fails in production with a message naming the missing secret, and never serves with a guess", async () => {
    const res = await call("/auth/config", { env: { ENVIRONMENT: "production", JWT_SIGNING_KEYS: undefined, APP_ORIGIN: "https://anchorage.example" } });
    expect(res.status).toBe(500);
    const err = errorOf(await json(res));
    expect(err.code).toBe("E-CONFIG");
    expect(err.message).toMatch(/JWT_SIGNING_KEYS is not set/);
  });

  it("requires APP_ORIGIN in production", async () => {
    const res = await call("/auth/config", { env: { ENVIRONMENT: "production" } });
    expect(res.status).toBe(500);
    expect(errorOf(await json(res)).message).toMatch(/APP_ORIGIN is not set/);
  });

  it("refuses a malformed key without echoing it", async () => {
    const res = await call("/auth/config", { env: { JWT_SIGNING_KEYS: "secret-value-123" } });
    expect(res.status).toBe(500);
    const err = errorOf(await json(res));
    expect(err.message).toMatch(/JWT_SIGNING_KEYS/);
    expect(err.message).not.toContain("secret-value-123");
  });

  it("defaults production registration to invite-only", async () => {
    const res = await call("/auth/config", { env: { ENVIRONMENT: "production", APP_ORIGIN: "https://anchorage.example" } });
    expect((await json(res)).registration).toBe("invite");
  });
});
