import { describe, expect, it } from "vitest";
import { call, errorOf, json, register } from "../helpers.ts";
import { blobsOf, put, rowsOf, send } from "./data-fixture.ts";

describe("the per-value limit (DATA_MAX_VALUE_BYTES)", () => {
  it("takes a value of exactly the limit and refuses one byte more with 413, storing nothing", async () => {
    const s = await register();
    const env = { DATA_MAX_VALUE_BYTES: "1000" };
    expect((await put("/api/data/private/fits", s.access, "x".repeat(1000), { env })).status).toBe(201);
    const over = await put("/api/data/private/over", s.access, "x".repeat(1001), { env });
    expect(over.status).toBe(413);
    expect(errorOf(await json(over)).code).toBe("E-PAYLOAD-TOO-LARGE");
    expect((await rowsOf(s.userId)).map((r) => r.key)).toEqual(["fits"]);
    expect(await blobsOf(s.userId)).toHaveLength(1);
  });

  it("defaults to 1 MiB, above the 64 KiB limit of the rest of the API", async () => {
    const s = await register();
    expect((await put("/api/data/private/big", s.access, new Uint8Array(1024 * 1024))).status).toBe(201);
    expect((await put("/api/data/private/bigger", s.access, new Uint8Array(1024 * 1024 + 1))).status).toBe(413);
  });

  it("refuses a streamed body without Content-Length as soon as it passes the limit", async () => {
    const s = await register();
    let pulled = 0;
    const chunk = new Uint8Array(64 * 1024);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // An endless body: only a reader that stops at the limit gets an answer.
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const res = await send("/api/data/private/stream", { method: "PUT", headers: { authorization: `Bearer ${s.access}`, "content-type": "application/octet-stream" }, body, duplex: "half" } as RequestInit, { DATA_MAX_VALUE_BYTES: "200000" });
    expect(res.status).toBe(413);
    expect(pulled).toBeLessThan(200_000 + 4 * chunk.byteLength);
    expect(await rowsOf(s.userId)).toEqual([]);
  });
});

describe("the per-user quota (DATA_QUOTA_BYTES)", () => {
  it("refuses a write that would pass the quota with 507, saying used and limit, and stores nothing", async () => {
    const s = await register();
    const env = { DATA_QUOTA_BYTES: "2000" };
    expect((await put("/api/data/private/a", s.access, "x".repeat(1200), { env })).status).toBe(201);
    expect((await put("/api/data/public/b", s.access, "x".repeat(700), { env })).status).toBe(201);
    const over = await put("/api/data/mod/notes/c", s.access, "x".repeat(101), { env });
    expect(over.status).toBe(507);
    const err = errorOf(await json(over));
    expect(err.code).toBe("E-QUOTA");
    expect(err.message).toContain("1900 of 2000 bytes");
    expect((await rowsOf(s.userId)).map((r) => r.key).sort()).toEqual(["a", "b"]);
    expect(await blobsOf(s.userId)).toHaveLength(2);
    // Exactly up to the quota is fine.
    expect((await put("/api/data/mod/notes/c", s.access, "x".repeat(100), { env })).status).toBe(201);
  });

  it("counts a replacement by its growth, and always lets a value shrink", async () => {
    const s = await register();
    expect((await put("/api/data/private/a", s.access, "x".repeat(1500), { env: { DATA_QUOTA_BYTES: "2000" } })).status).toBe(201);
    expect((await put("/api/data/private/a", s.access, "x".repeat(2000), { env: { DATA_QUOTA_BYTES: "2000" } })).status).toBe(200);
    expect((await put("/api/data/private/a", s.access, "x".repeat(2001), { env: { DATA_QUOTA_BYTES: "2000" } })).status).toBe(507);
    // With the quota lowered below what is stored, shrinking still works; growing does not.
    expect((await put("/api/data/private/a", s.access, "x".repeat(1000), { env: { DATA_QUOTA_BYTES: "500" } })).status).toBe(200);
    expect((await put("/api/data/private/a", s.access, "x".repeat(1001), { env: { DATA_QUOTA_BYTES: "500" } })).status).toBe(507);
    expect(await (await call("/api/data/private/a", { token: s.access })).text()).toHaveLength(1000);
    expect(await blobsOf(s.userId)).toHaveLength(1);
  });

  it("writers racing for the last room in the quota cannot both get it", async () => {
    const s = await register();
    const env = { DATA_QUOTA_BYTES: "1000" };
    const results = await Promise.all(Array.from({ length: 4 }, (_, i) => put(`/api/data/private/k${i}`, s.access, "x".repeat(400), { env })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 507, 507]);
    const rows = await rowsOf(s.userId);
    expect(rows.reduce((n, r) => n + r.size, 0)).toBe(800);
    expect(await blobsOf(s.userId)).toHaveLength(2);
  });

  it("is per user: one user's data does not use another's quota", async () => {
    const a = await register();
    const b = await register();
    const env = { DATA_QUOTA_BYTES: "1000" };
    expect((await put("/api/data/private/k", a.access, "x".repeat(900), { env })).status).toBe(201);
    expect((await put("/api/data/private/k", b.access, "x".repeat(900), { env })).status).toBe(201);
  });
});
