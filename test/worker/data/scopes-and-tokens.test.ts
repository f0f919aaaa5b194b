import { describe, expect, it } from "vitest";
import { call, errorOf, json, register, seedAdmin } from "../helpers.ts";
import { put, rowsOf, tokenWith } from "./data-fixture.ts";

describe("public data: anyone reads, only the owner writes", () => {
  it("another user and an anonymous caller read it with ?owner=, and list it", async () => {
    const owner = await register();
    const other = await register();
    await put("/api/data/public/profile/bio", owner.access, { bio: "hi" });
    const byOther = await call(`/api/data/public/profile/bio?owner=${owner.userId}`, { token: other.access });
    expect(byOther.status).toBe(200);
    expect(await byOther.json()).toEqual({ bio: "hi" });
    const anonymous = await call(`/api/data/public/profile/bio?owner=${owner.userId}`);
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toEqual({ bio: "hi" });
    const listed = await json(await call(`/api/data/public?owner=${owner.userId}`));
    expect(listed.items.map((i: any) => i.key)).toEqual(["profile/bio"]);
  });

  it("another user cannot write or delete it (403), and it is unchanged", async () => {
    const owner = await register();
    const other = await register();
    await put("/api/data/public/motd", owner.access, "mine");
    const write = await put(`/api/data/public/motd?owner=${owner.userId}`, other.access, "theirs");
    expect(write.status).toBe(403);
    const del = await call(`/api/data/public/motd?owner=${owner.userId}`, { method: "DELETE", token: other.access });
    expect(del.status).toBe(403);
    expect(await (await call(`/api/data/public/motd?owner=${owner.userId}`)).text()).toBe("mine");
  });

  it("a bad credential on a public read is still refused, not read as anonymous", async () => {
    const owner = await register();
    await put("/api/data/public/motd", owner.access, "x");
    expect((await call(`/api/data/public/motd?owner=${owner.userId}`, { token: "not-a-token" })).status).toBe(401);
  });

  it("an anonymous read must name the owner", async () => {
    const res = await call("/api/data/public/motd");
    expect(res.status).toBe(400);
    expect(errorOf(await json(res)).fields?.[0]?.path).toBe("owner");
  });
});

describe("private and module data: the owner, admins and covering tokens only", () => {
  it("another user gets 404 for an existing private key, exactly as for a missing one", async () => {
    const owner = await register();
    const other = await register();
    await put("/api/data/private/secret", owner.access, "s3cret");
    const existing = await call(`/api/data/private/secret?owner=${owner.userId}`, { token: other.access });
    const missing = await call(`/api/data/private/nothing-here?owner=${owner.userId}`, { token: other.access });
    expect(existing.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(errorOf(await json(existing))).toEqual(errorOf(await json(missing)));
    expect((await call(`/api/data/private?owner=${owner.userId}`, { token: other.access })).status).toBe(404);
    expect((await call(`/api/data/mod/notes?owner=${owner.userId}`, { token: other.access })).status).toBe(404);
    expect((await call(`/api/data/private/secret?owner=${owner.userId}`)).status).toBe(401);
  });

  it("another user cannot write or delete the owner's private data either", async () => {
    const owner = await register();
    const other = await register();
    await put("/api/data/private/secret", owner.access, "s3cret");
    expect((await put(`/api/data/private/secret?owner=${owner.userId}`, other.access, "overwritten")).status).toBe(404);
    expect((await put(`/api/data/private/new?owner=${owner.userId}`, other.access, "planted")).status).toBe(404);
    expect((await call(`/api/data/private/secret?owner=${owner.userId}`, { method: "DELETE", token: other.access })).status).toBe(404);
    expect((await rowsOf(owner.userId)).map((r) => r.key)).toEqual(["secret"]);
    expect((await rowsOf(other.userId))).toEqual([]);
  });

  it("the other user's API token, even one with all of its own storage rights, gets 404", async () => {
    const owner = await register();
    const other = await register();
    await put("/api/data/private/secret", owner.access, "s3cret");
    const token = await tokenWith(other, [{ scope: `storage.${other.userId}`, actions: ["read", "write"] }]);
    expect((await call(`/api/data/private/secret?owner=${owner.userId}`, { token })).status).toBe(404);
    expect((await put(`/api/data/private/secret?owner=${owner.userId}`, token, "x")).status).toBe(404);
    expect((await call(`/api/data/private/secret?owner=${owner.userId}`, { method: "DELETE", token })).status).toBe(404);
    expect(await (await call("/api/data/private/secret", { token: owner.access })).text()).toBe("s3cret");
  });

  it("a token of user A cannot be given B's data scopes at all", async () => {
    const a = await register();
    const b = await register();
    const res = await call("/api/tokens", { token: a.access, body: { name: "x", scopes: [{ scope: `storage.${b.userId}.data`, actions: ["read"] }] } });
    expect(res.status).toBe(403);
  });

  it("an admin reads and writes anyone's private data through ?owner=", async () => {
    const owner = await register();
    const admin = await seedAdmin();
    await put("/api/data/private/secret", owner.access, "s3cret");
    const read = await call(`/api/data/private/secret?owner=${owner.userId}`, { token: admin.access });
    expect(read.status).toBe(200);
    expect(await read.text()).toBe("s3cret");
    expect((await put(`/api/data/private/secret?owner=${owner.userId}`, admin.access, "fixed")).status).toBe(200);
    expect((await rowsOf(admin.userId))).toEqual([]);
    expect((await put("/api/data/private/x?owner=usr_doesnotexist", admin.access, "x")).status).toBe(404);
  });
});

describe("API tokens get only what their scopes name", () => {
  it("a token with storage.<uid>.data.private read can read private data but not write it", async () => {
    const s = await register();
    await put("/api/data/private/k", s.access, "v1");
    const token = await tokenWith(s, [{ scope: `storage.${s.userId}.data.private`, actions: ["read"] }]);
    const read = await call("/api/data/private/k", { token });
    expect(read.status).toBe(200);
    expect(await read.text()).toBe("v1");
    expect((await call("/api/data/private", { token })).status).toBe(200);
    const write = await put("/api/data/private/k", token, "v2");
    expect(write.status).toBe(403);
    expect(errorOf(await json(write)).code).toBe("E-AUTH-FORBID");
    expect((await call("/api/data/private/k", { method: "DELETE", token })).status).toBe(403);
    expect(await (await call("/api/data/private/k", { token: s.access })).text()).toBe("v1");
    // Its scope names private: a module is not beneath it.
    expect((await call("/api/data/mod/notes", { token })).status).toBe(403);
  });

  it("a token with only storage.<uid>.data.mod/notes reaches that module and nothing else", async () => {
    const s = await register();
    await put("/api/data/mod/notes/today", s.access, "note");
    await put("/api/data/mod/todo/today", s.access, "todo");
    await put("/api/data/private/today", s.access, "private");
    await put("/api/data/public/today", s.access, "public");
    const token = await tokenWith(s, [{ scope: `storage.${s.userId}.data.mod/notes`, actions: ["read", "write"] }]);

    expect(await (await call("/api/data/mod/notes/today", { token })).text()).toBe("note");
    expect((await json(await call("/api/data/mod/notes", { token }))).items).toHaveLength(1);
    expect((await put("/api/data/mod/notes/tomorrow", token, "more")).status).toBe(201);

    for (const path of ["/api/data/mod/todo/today", "/api/data/private/today", "/api/data/mod/todo", "/api/data/private"]) {
      expect((await call(path, { token })).status, path).toBe(403);
    }
    expect((await put("/api/data/mod/todo/today", token, "x")).status).toBe(403);
    expect((await put("/api/data/public/today", token, "x")).status).toBe(403);
    expect((await put("/api/data/private/today", token, "x")).status).toBe(403);
    // Public data is anyone's to read, a token's too.
    expect(await (await call("/api/data/public/today", { token })).text()).toBe("public");
    expect((await rowsOf(s.userId)).map((r) => `${r.scope}:${r.key}`)).toEqual(["mod/notes:today", "mod/notes:tomorrow", "mod/todo:today", "private:today", "public:today"]);
  });

  it("a token without any storage scope cannot read its own user's private data", async () => {
    const s = await register();
    await put("/api/data/private/k", s.access, "v");
    const token = await tokenWith(s, [{ scope: `cloud.${s.userId}.instances`, actions: ["read"] }]);
    expect((await call("/api/data/private/k", { token })).status).toBe(403);
  });
});
