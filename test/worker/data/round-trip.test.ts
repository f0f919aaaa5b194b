import { describe, expect, it } from "vitest";
import { call, errorOf, json, register } from "../helpers.ts";
import { blobsOf, put, rowsOf } from "./data-fixture.ts";

describe("the owner's round trip", () => {
  it("stores JSON and reads it back with its content type, a strong ETag and Last-Modified", async () => {
    const s = await register();
    const res = await put("/api/data/private/settings/theme", s.access, { mode: "dark", size: 14 });
    expect(res.status).toBe(201);
    const item = await json(res);
    expect(item).toMatchObject({ owner_id: s.userId, scope: "private", key: "settings/theme", content_type: "application/json" });
    expect(item.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(res.headers.get("etag")).toBe(item.etag);

    const got = await call("/api/data/private/settings/theme", { token: s.access });
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("application/json");
    expect(got.headers.get("etag")).toBe(item.etag);
    expect(Date.parse(got.headers.get("last-modified")!)).toBeGreaterThan(Date.now() - 60_000);
    expect(await got.json()).toEqual({ mode: "dark", size: 14 });
  });

  it("stores bytes exactly, with the content type they were sent with", async () => {
    const s = await register();
    const bytes = new Uint8Array(2048).map((_, i) => (i * 7 + 3) & 0xff);
    const res = await put("/api/data/mod/photos/raw/0001.bin", s.access, bytes, { contentType: "image/x-test" });
    expect(res.status).toBe(201);
    const got = await call("/api/data/mod/photos/raw/0001.bin", { token: s.access });
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("image/x-test");
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);
  });

  it("replaces a value (200) in a new R2 object, deleting the old one, and keeps created_at", async () => {
    const s = await register();
    const first = await json(await put("/api/data/private/notes", s.access, "one"));
    const [firstBlob] = await blobsOf(s.userId);
    const res = await put("/api/data/private/notes", s.access, "two");
    expect(res.status).toBe(200);
    const second = await json(res);
    expect(second.etag).not.toBe(first.etag);
    expect(second.created_at).toBe(first.created_at);
    const blobs = await blobsOf(s.userId);
    expect(blobs).toHaveLength(1);
    expect(blobs[0]).not.toBe(firstBlob);
    expect(await (await call("/api/data/private/notes", { token: s.access })).text()).toBe("two");
  });

  it("answers 304 to If-None-Match with the current ETag, and the value after a change", async () => {
    const s = await register();
    const { etag } = await json(await put("/api/data/public/motd", s.access, "hello"));
    const same = await call("/api/data/public/motd", { token: s.access, headers: { "if-none-match": etag } });
    expect(same.status).toBe(304);
    expect(same.headers.get("etag")).toBe(etag);
    expect(await same.text()).toBe("");
    await put("/api/data/public/motd", s.access, "changed");
    const changed = await call("/api/data/public/motd", { token: s.access, headers: { "if-none-match": etag } });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toBe("changed");
  });

  it("serves stored values under a sandboxing CSP, so an uploaded page cannot run script on our origin", async () => {
    const s = await register();
    await put("/api/data/public/page.html", s.access, "<script>alert(1)</script>", { contentType: "text/html" });
    const got = await call(`/api/data/public/page.html?owner=${s.userId}`);
    expect(got.headers.get("content-security-policy")).toContain("sandbox");
    expect(got.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("deletes a value and its bytes; reading or deleting it again is 404", async () => {
    const s = await register();
    await put("/api/data/private/tmp/x", s.access, { a: 1 });
    const del = await call("/api/data/private/tmp/x", { method: "DELETE", token: s.access });
    expect(del.status).toBe(200);
    expect(await rowsOf(s.userId)).toEqual([]);
    expect(await blobsOf(s.userId)).toEqual([]);
    expect((await call("/api/data/private/tmp/x", { token: s.access })).status).toBe(404);
    const again = await call("/api/data/private/tmp/x", { method: "DELETE", token: s.access });
    expect(again.status).toBe(404);
    expect(errorOf(await json(again)).code).toBe("E-NOT-FOUND");
  });

  it("keeps scopes apart: the same key in public, private and a module are three values", async () => {
    const s = await register();
    await put("/api/data/public/k", s.access, "pub");
    await put("/api/data/private/k", s.access, "priv");
    await put("/api/data/mod/notes/k", s.access, "mod");
    expect(await (await call("/api/data/public/k", { token: s.access })).text()).toBe("pub");
    expect(await (await call("/api/data/private/k", { token: s.access })).text()).toBe("priv");
    expect(await (await call("/api/data/mod/notes/k", { token: s.access })).text()).toBe("mod");
    expect((await call("/api/data/mod/other/k", { token: s.access })).status).toBe(404);
  });
});

describe("listing by prefix", () => {
  it("lists keys in order under a prefix, a page at a time, with metadata only", async () => {
    const s = await register();
    for (const key of ["settings/b", "settings/a", "settings/c", "settings_x", "other/a", "settings/d/e"]) {
      expect((await put(`/api/data/private/${key}`, s.access, { key })).status).toBe(201);
    }
    const page1 = await json(await call("/api/data/private?prefix=settings/&limit=2", { token: s.access }));
    expect(page1.items.map((i: any) => i.key)).toEqual(["settings/a", "settings/b"]);
    expect(page1.items[0]).toMatchObject({ content_type: "application/json", size: JSON.stringify({ key: "settings/a" }).length });
    expect(page1.items[0]).not.toHaveProperty("value");
    const page2 = await json(await call(`/api/data/private?prefix=settings/&limit=2&cursor=${page1.next_cursor}`, { token: s.access }));
    expect(page2.items.map((i: any) => i.key)).toEqual(["settings/c", "settings/d/e"]);
    expect(page2.next_cursor).toBeNull();
    // `_` is an ordinary character in a prefix, not a wildcard.
    const underscore = await json(await call("/api/data/private?prefix=settings_", { token: s.access }));
    expect(underscore.items.map((i: any) => i.key)).toEqual(["settings_x"]);
    const all = await json(await call("/api/data/private", { token: s.access }));
    expect(all.items).toHaveLength(6);
    expect(all.next_cursor).toBeNull();
  });

  it("lists a module's keys and nothing of other scopes", async () => {
    const s = await register();
    await put("/api/data/mod/notes/a", s.access, "x");
    await put("/api/data/mod/todo/a", s.access, "x");
    await put("/api/data/private/a", s.access, "x");
    const listed = await json(await call("/api/data/mod/notes", { token: s.access }));
    expect(listed.items.map((i: any) => [i.scope, i.key])).toEqual([["mod/notes", "a"]]);
  });
});

describe("bad keys and bodies are refused and store nothing", () => {
  const badPaths: [string, string][] = [
    ["/api/data/private/a//b", "key"],
    ["/api/data/private/a/", "key"],
    ["/api/data/private/a%20b", "key"],
    ["/api/data/private/a%2F..%2Fb", "key"],
    [`/api/data/private/${"x".repeat(65)}`, "key"],
    [`/api/data/private/${"x".repeat(60)}/${"x".repeat(60)}/${"x".repeat(60)}/${"x".repeat(60)}/${"x".repeat(60)}`, "key"],
    [`/api/data/private/${Array.from({ length: 17 }, () => "a").join("/")}`, "key"],
    ["/api/data/mod/bad.name/k", "module"],
    [`/api/data/mod/${"m".repeat(65)}/k`, "module"],
  ];
  for (const [path, field] of badPaths) {
    it(`PUT ${path.slice(0, 60)} → 400 naming ${field}`, async () => {
      const s = await register();
      const res = await put(path, s.access, { a: 1 });
      expect(res.status).toBe(400);
      const err = errorOf(await json(res));
      expect(err.code).toBe("E-VALIDATION");
      expect(err.fields?.map((f) => f.path)).toEqual([field]);
      expect(await rowsOf(s.userId)).toEqual([]);
      expect(await blobsOf(s.userId)).toEqual([]);
    });
  }

  it("refuses a JSON body that does not parse, and a malformed Content-Type", async () => {
    const s = await register();
    const bad = await put("/api/data/private/k", s.access, '{"a": ', { contentType: "application/json" });
    expect(bad.status).toBe(400);
    expect(errorOf(await json(bad)).code).toBe("E-VALIDATION");
    const type = await put("/api/data/private/k", s.access, "x", { contentType: "not a type" });
    expect(type.status).toBe(400);
    expect(errorOf(await json(type)).fields?.[0]?.path).toBe("Content-Type");
    expect(await rowsOf(s.userId)).toEqual([]);
    expect(await blobsOf(s.userId)).toEqual([]);
  });

  it("refuses a bad listing query naming the field", async () => {
    const s = await register();
    for (const [query, field] of [["limit=0", "limit"], ["prefix=a%20b", "prefix"], ["cursor=a//b", "cursor"], ["owner=a%20b", "owner"]]) {
      const res = await call(`/api/data/private?${query}`, { token: s.access });
      expect(res.status, query).toBe(400);
      expect(errorOf(await json(res)).fields?.map((f) => f.path), query).toEqual([field]);
    }
    const unknown = await call("/api/data/private?nope=1", { token: s.access });
    expect(unknown.status).toBe(400);
    expect(errorOf(await json(unknown)).message).toMatch(/nope/);
  });
});

describe("the API description", () => {
  it("documents every data route in /openapi.json, keys included", async () => {
    const doc = await json(await call("/openapi.json"));
    for (const base of ["/api/data/public", "/api/data/private", "/api/data/mod/{module}"]) {
      expect(Object.keys(doc.paths[base] ?? {}), base).toEqual(["get"]);
      expect(Object.keys(doc.paths[`${base}/{key}`] ?? {}).sort(), base).toEqual(["delete", "get", "put"]);
    }
    expect(Object.keys(doc.paths["/api/data/private/{key}"].put.responses)).toEqual(expect.arrayContaining(["412", "413", "507"]));
  });
});
