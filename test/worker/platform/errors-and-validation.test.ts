import { describe, expect, it } from "vitest";
import { call, errorOf, json, register, uniqueEmail, PASSWORD } from "../helpers.ts";
import { openDb } from "../../../core/db/client.ts";
import { findUserByEmail } from "../../../core/users/users.ts";
import { testEnv } from "../helpers.ts";

describe("bad input gets a clear error and changes nothing", () => {
  it("names every invalid field", async () => {
    const res = await call("/auth/register", { body: { email: "not-an-email", password: "short" } });
    expect(res.status).toBe(400);
    const err = errorOf(await json(res));
    expect(err.code).toBe("E-VALIDATION");
    expect(err.fields?.map((f) => f.path).sort()).toEqual(["email", "password"]);
    expect(err.message).toMatch(/email/);
  });

  it("refuses unknown fields instead of ignoring them", async () => {
    const email = uniqueEmail();
    const res = await call("/auth/register", { body: { email, password: PASSWORD, roles: ["admin"] } });
    expect(res.status).toBe(400);
    expect(errorOf(await json(res)).message).toMatch(/roles/);
    expect(await findUserByEmail(openDb(testEnv.DB), email)).toBeUndefined();
  });

  it("refuses malformed JSON with 400 in the error shape", async () => {
    const res = await call("/auth/login", { rawBody: '{"email": ' });
    expect(res.status).toBe(400);
    expect(errorOf(await json(res)).code).toBe("E-VALIDATION");
  });

  it("refuses a body that is not JSON", async () => {
    const res = await call("/auth/login", { rawBody: "email=a@b.c", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(415);
    expect(errorOf(await json(res)).code).toBe("E-UNSUPPORTED-MEDIA");
  });

  it("refuses an oversized body with 413 before parsing it", async () => {
    const res = await call("/auth/login", { body: { email: "a@b.test", password: "x".repeat(70_000) } });
    expect(res.status).toBe(413);
    expect(errorOf(await json(res)).code).toBe("E-PAYLOAD-TOO-LARGE");
  });

  it("answers unknown API routes with 404 JSON", async () => {
    for (const path of ["/api/nope", "/auth/nope", "/admin/nope/deeper"]) {
      const res = await call(path);
      expect(res.status).toBe(404);
      expect(errorOf(await json(res)).code).toBe("E-NOT-FOUND");
    }
  });

  it("answers a protected route without credentials with 401", async () => {
    const res = await call("/api/settings/sessions");
    expect(res.status).toBe(401);
    expect(errorOf(await json(res))).toEqual({ code: "E-AUTH-UNAUTH", message: "authentication required" });
  });

  it("leaves nothing half-written when registration fails on a taken email", async () => {
    const s = await register();
    const before = await testEnv.DB.prepare("select count(*) as n from sessions").first<{ n: number }>();
    const res = await call("/auth/register", { body: { email: s.email, password: PASSWORD } });
    expect(res.status).toBe(409);
    const after = await testEnv.DB.prepare("select count(*) as n from sessions").first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
  });
});

describe("requests without a body", () => {
  it("refuses a POST to a route that needs a body, with a clear error", async () => {
    const res = await call("/auth/login", { method: "POST" });
    expect(res.status).toBe(400);
    expect(errorOf(await json(res)).code).toBe("E-VALIDATION");
  });

  it("accepts a POST with no body where the body is optional", async () => {
    const s = await register();
    expect((await call("/auth/logout", { method: "POST", token: s.access })).status).toBe(200);
  });
});
