import { describe, expect, it } from "vitest";
import { call, errorOf, json, register } from "../helpers.ts";
import { blobsOf, put, rowsOf } from "./data-fixture.ts";

describe("If-Match: two writers cannot silently overwrite each other", () => {
  it("two PUTs racing with the same If-Match: exactly one wins, the other gets 412, the winner's value is stored", async () => {
    const s = await register();
    const { etag } = await json(await put("/api/data/private/doc", s.access, { v: 0 }));
    const [a, b] = await Promise.all([
      put("/api/data/private/doc", s.access, { v: "a" }, { headers: { "if-match": etag } }),
      put("/api/data/private/doc", s.access, { v: "b" }, { headers: { "if-match": etag } }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 412]);
    const [winner, loser] = a.status === 200 ? [a, b] : [b, a];
    const won = await json(winner);
    expect(errorOf(await json(loser)).code).toBe("E-PRECONDITION");
    const stored = await call("/api/data/private/doc", { token: s.access });
    expect(stored.headers.get("etag")).toBe(won.etag);
    expect(await stored.json()).toEqual({ v: a === winner ? "a" : "b" });
    // The loser's object and the replaced version's are gone: one value, one object, the one D1 names.
    const [row] = await rowsOf(s.userId);
    expect(await blobsOf(s.userId)).toEqual([row!.blob_key]);
  });

  it("many writers racing from one version: one wins, every other gets 412", async () => {
    const s = await register();
    const { etag } = await json(await put("/api/data/private/counter", s.access, { n: 0 }));
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => put("/api/data/private/counter", s.access, { n: i + 1 }, { headers: { "if-match": etag } })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((st) => st === 200)).toHaveLength(1);
    expect(statuses.filter((st) => st === 412)).toHaveLength(7);
    const winner = results.findIndex((r) => r.status === 200);
    expect(await (await call("/api/data/private/counter", { token: s.access })).json()).toEqual({ n: winner + 1 });
    expect(await blobsOf(s.userId)).toHaveLength(1);
  });

  it("a stale ETag is refused (412) and changes nothing; the current one is taken", async () => {
    const s = await register();
    const v1 = await json(await put("/api/data/private/doc", s.access, "v1"));
    const v2 = await json(await put("/api/data/private/doc", s.access, "v2"));
    const stale = await put("/api/data/private/doc", s.access, "from v1", { headers: { "if-match": v1.etag } });
    expect(stale.status).toBe(412);
    expect(errorOf(await json(stale)).message).toContain(v2.etag);
    expect(await (await call("/api/data/private/doc", { token: s.access })).text()).toBe("v2");
    expect((await put("/api/data/private/doc", s.access, "from v2", { headers: { "if-match": v2.etag } })).status).toBe(200);
    // A weak tag never matches strongly.
    const weak = await json(await call("/api/data/private", { token: s.access }));
    expect((await put("/api/data/private/doc", s.access, "weak", { headers: { "if-match": `W/${weak.items[0].etag}` } })).status).toBe(412);
  });

  it("If-Match on a key that does not exist is 412, and creates nothing", async () => {
    const s = await register();
    const res = await put("/api/data/private/nothing", s.access, "x", { headers: { "if-match": '"abc"' } });
    expect(res.status).toBe(412);
    expect(await rowsOf(s.userId)).toEqual([]);
    expect(await blobsOf(s.userId)).toEqual([]);
  });

  it("DELETE honours If-Match: a stale ETag is 412 and the value stays", async () => {
    const s = await register();
    const v1 = await json(await put("/api/data/private/doc", s.access, "v1"));
    const v2 = await json(await put("/api/data/private/doc", s.access, "v2"));
    const stale = await call("/api/data/private/doc", { method: "DELETE", token: s.access, headers: { "if-match": v1.etag } });
    expect(stale.status).toBe(412);
    expect(await (await call("/api/data/private/doc", { token: s.access })).text()).toBe("v2");
    expect((await call("/api/data/private/doc", { method: "DELETE", token: s.access, headers: { "if-match": v2.etag } })).status).toBe(200);
    expect(await blobsOf(s.userId)).toEqual([]);
  });

  it("a malformed If-Match is a 400, not a condition silently ignored", async () => {
    const s = await register();
    await put("/api/data/private/doc", s.access, "v1");
    const res = await put("/api/data/private/doc", s.access, "v2", { headers: { "if-match": "no-quotes" } });
    expect(res.status).toBe(400);
    expect(errorOf(await json(res)).fields?.[0]?.path).toBe("If-Match");
    expect(await (await call("/api/data/private/doc", { token: s.access })).text()).toBe("v1");
  });
});

describe("If-None-Match: * creates only", () => {
  it("creates a missing key (201) and refuses an existing one (412) without touching it", async () => {
    const s = await register();
    const created = await put("/api/data/private/once", s.access, "first", { headers: { "if-none-match": "*" } });
    expect(created.status).toBe(201);
    const again = await put("/api/data/private/once", s.access, "second", { headers: { "if-none-match": "*" } });
    expect(again.status).toBe(412);
    expect(errorOf(await json(again)).code).toBe("E-PRECONDITION");
    expect(await (await call("/api/data/private/once", { token: s.access })).text()).toBe("first");
    expect(await blobsOf(s.userId)).toHaveLength(1);
  });

  it("two creators racing: exactly one creates, the other gets 412", async () => {
    const s = await register();
    const [a, b] = await Promise.all([
      put("/api/data/private/lock", s.access, "a", { headers: { "if-none-match": "*" } }),
      put("/api/data/private/lock", s.access, "b", { headers: { "if-none-match": "*" } }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 412]);
    expect(await (await call("/api/data/private/lock", { token: s.access })).text()).toBe(a.status === 201 ? "a" : "b");
    expect(await blobsOf(s.userId)).toHaveLength(1);
  });
});

describe("unconditional writes", () => {
  it("racing writers without conditions all land, one after another, and leave one object", async () => {
    const s = await register();
    await put("/api/data/private/last", s.access, "0");
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => put("/api/data/private/last", s.access, String(i + 1))));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const stored = await (await call("/api/data/private/last", { token: s.access })).text();
    expect(["1", "2", "3", "4", "5"]).toContain(stored);
    const [row] = await rowsOf(s.userId);
    expect(await blobsOf(s.userId)).toEqual([row!.blob_key]);
  });
});
