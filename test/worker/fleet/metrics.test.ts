import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BUCKET_MS, RAW_RETENTION_MS, BUCKET_RETENTION_MS, type SystemStats } from "@anchorage/common";
import { MetricStore, PRUNE_BATCH } from "../../../durable-objects/instance/metric-store.ts";
import { call, errorOf, json, register, testEnv } from "../helpers.ts";
import { FakeAgent, until } from "../cloud/fake-agent.ts";

const stats = (cpu: number, o: { mem?: number; disk?: number; net?: { rx: number; tx: number } } = {}): SystemStats => ({
  cpu,
  memory: { used: o.mem ?? 25, total: 100 },
  disk: { used: o.disk ?? 40, total: 200 },
  load: [0.5, 0.4, 0.3],
  uptime: 100,
  ...(o.net ? { net: o.net } : {}),
});

const objectOf = (id: string) => testEnv.INSTANCE.get(testEnv.INSTANCE.idFromName(id));
/** Runs `fn` on the instance's own metric tables (the storage layer takes `now`, so any time can be written). */
const withStore = <T>(id: string, fn: (store: MetricStore, sql: SqlStorage) => T) =>
  runInDurableObject(objectOf(id), (_o, state) => fn(new MetricStore(state.storage.sql), state.storage.sql));
const metrics = async (owner: { access: string }, id: string, query: string) => call(`/api/cloud/instance/${id}/metrics?${query}`, { token: owner.access });

async function anchored() {
  const owner = await register();
  const agent = await FakeAgent.register(owner);
  return { owner, agent, id: agent.instanceId };
}

describe("metric history", () => {
  it("answers the fake agent's heartbeats as raw points, network included, an older agent's without it", async () => {
    const { owner, agent, id } = await anchored();
    await agent.connect();
    agent.send({ type: "heartbeat", at: new Date().toISOString(), stats: stats(10, { net: { rx: 1000, tx: 200 } }) });
    agent.heartbeat(30); // the fake agent's own heartbeat: no `net`, as from an agent before it
    await until(async () => (await objectOf(id).health(0)).some((p) => p.samples === 2));
    const res = await metrics(owner, id, "step=5");
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ step: 5, resolution: "raw" });
    expect(body.to - body.from).toBe(60 * 60 * 1000);
    const values = (s: string) => body.series[s].map((p: [number, number]) => p[1]);
    // Two heartbeats: two 5 s steps, or one holding both (their mean 20); the highest is 30 either way.
    expect([[10, 30], [20]]).toContainEqual(values("cpu"));
    expect(Math.max(...values("cpu_max"))).toBe(30);
    expect(values("memory").every((v: number) => v === 25)).toBe(true); // 25/100, and the fake's 1/4
    expect(values("disk").every((v: number) => [20, 15, 10].includes(v))).toBe(true); // 40/200 and the fake's 10/100, or their mean in one step
    expect(values("net_rx")).toEqual([1000]);
    expect(values("net_tx")).toEqual([200]);
    for (const p of body.series.cpu) expect(p[0] % 5000).toBe(0);
    // /health is the same storage, by minute.
    const health = await json(await call(`/api/cloud/instance/${id}/health?hours=1`, { token: owner.access }));
    expect(health.points.at(-1)).toMatchObject({ cpu: 20, samples: 2 });
  });

  it("folds samples into five-minute buckets: means, the highest cpu, and merges buckets for a coarser step", async () => {
    const { owner, id } = await anchored();
    // 3 h ago, on a 10-minute edge (steps are aligned to their multiples since the epoch), so also a bucket's
    const base = Math.floor((Date.now() - 3 * 60 * 60 * 1000) / (2 * BUCKET_MS)) * 2 * BUCKET_MS;
    await withStore(id, (store) => {
      store.record(stats(10, { mem: 20, net: { rx: 100, tx: 10 } }), base);
      store.record(stats(30, { mem: 40 }), base + 60_000);
      store.record(stats(80, { mem: 60, net: { rx: 300, tx: 30 } }), base + 299_999);
      store.record(stats(50, { mem: 80, disk: 100 }), base + BUCKET_MS);
    });
    const range = `from=${base}&to=${base + 2 * BUCKET_MS}`;

    const five = await json(await metrics(owner, id, `${range}&step=300`));
    expect(five).toMatchObject({ from: base, to: base + 2 * BUCKET_MS, step: 300, resolution: "5m" });
    expect(five.series.cpu).toEqual([[base, 40], [base + BUCKET_MS, 50]]);
    expect(five.series.cpu_max).toEqual([[base, 80], [base + BUCKET_MS, 50]]);
    expect(five.series.memory).toEqual([[base, 40], [base + BUCKET_MS, 80]]);
    expect(five.series.disk).toEqual([[base, 20], [base + BUCKET_MS, 50]]);
    expect(five.series.net_rx).toEqual([[base, 200]]); // the mean of the samples that had network figures
    expect(five.series.net_tx).toEqual([[base, 20]]);

    // Ten minutes: both buckets as one point, weighted by their samples ((10+30+80+50)/4).
    const ten = await json(await metrics(owner, id, `${range}&step=600`));
    expect(ten.series.cpu).toEqual([[base, 42.5]]);
    expect(ten.series.cpu_max).toEqual([[base, 80]]);

    // A step under five minutes within 24 h reads the raw samples.
    const raw = await json(await metrics(owner, id, `${range}&step=60`));
    expect(raw).toMatchObject({ step: 60, resolution: "raw" });
    expect(raw.series.cpu).toEqual([[base, 10], [base + 60_000, 30], [base + 240_000, 80], [base + BUCKET_MS, 50]]);

    // A step that is not a multiple of five minutes over the buckets is rounded up to one.
    const rounded = await json(await metrics(owner, id, `from=${base - 25 * 60 * 60 * 1000}&to=${base + 2 * BUCKET_MS}&step=200`));
    expect(rounded).toMatchObject({ step: 300, resolution: "5m" });
    expect(rounded.series.cpu.at(-1)).toEqual([base + BUCKET_MS, 50]);
  });

  it("keeps raw samples 24 h and buckets 30 days, pruning as it writes", async () => {
    const { id } = await anchored();
    const t = Math.floor(Date.now() / BUCKET_MS) * BUCKET_MS - 10 * BUCKET_MS;
    const count = (sql: SqlStorage, table: string) => sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).one().n;
    await withStore(id, (store, sql) => {
      store.record(stats(10), t);
      expect([count(sql, "metric_samples"), count(sql, "metric_buckets")]).toEqual([1, 1]);
      store.record(stats(20), t + RAW_RETENTION_MS - 1); // just inside: the first sample stays
      expect(count(sql, "metric_samples")).toBe(2);
      store.record(stats(30), t + RAW_RETENTION_MS + 1); // the first sample is older than 24 h now
      expect(store.series({ from: t - 1, to: t + 1, step: 5, resolution: "raw" }).cpu).toEqual([]);
      expect(store.series({ from: t, to: t + BUCKET_MS, step: 300, resolution: "5m" }).cpu).toEqual([[t, 10]]);
      store.record(stats(40), t + BUCKET_RETENTION_MS + BUCKET_MS); // and its bucket older than 30 days
      expect(store.series({ from: t, to: t + BUCKET_MS, step: 300, resolution: "5m" }).cpu).toEqual([]);
      expect(count(sql, "metric_samples")).toBe(1);
    });
  });

  it("prunes in bounded batches, so a write after a long silence stays small", async () => {
    const { id } = await anchored();
    const t = Date.now() - 2 * RAW_RETENTION_MS;
    await withStore(id, (store, sql) => {
      for (let i = 0; i < PRUNE_BATCH + 50; i++) store.record(stats(i % 100), t + i * 5000);
      store.record(stats(1), t + RAW_RETENTION_MS + (PRUNE_BATCH + 50) * 5000 + 1); // every earlier sample has expired
      expect(sql.exec<{ n: number }>("SELECT count(*) AS n FROM metric_samples").one().n).toBe(50 + 1);
      store.record(stats(2), t + RAW_RETENTION_MS + (PRUNE_BATCH + 51) * 5000 + 1);
      expect(sql.exec<{ n: number }>("SELECT count(*) AS n FROM metric_samples").one().n).toBe(2);
    });
  });

  it("adopts the 1-minute history of an object from before the metric history", async () => {
    const { owner, id } = await anchored();
    const minute = Math.floor(Date.now() / 60_000) - 30;
    await withStore(id, (_store, sql) => {
      sql.exec("CREATE TABLE health (minute INTEGER PRIMARY KEY, cpu REAL, mem_used REAL, mem_total REAL, disk_used REAL, disk_total REAL, load1 REAL, samples INTEGER NOT NULL)");
      sql.exec("INSERT INTO health VALUES (?, 42, 1, 4, 10, 100, 0.5, 12)", minute);
      new MetricStore(sql); // what the object does when it starts
      expect(sql.exec("SELECT name FROM sqlite_master WHERE name = 'health'").toArray()).toEqual([]);
      expect(sql.exec<{ samples: number }>("SELECT samples FROM metric_buckets").one().samples).toBe(12);
    });
    const health = await json(await call(`/api/cloud/instance/${id}/health?hours=1`, { token: owner.access }));
    expect(health.points).toEqual([expect.objectContaining({ minute, cpu: 42, mem_total: 4, samples: 1 })]);
    const body = await json(await metrics(owner, id, "step=60"));
    expect(body.series.cpu).toEqual([[minute * 60_000, 42]]);
    expect(body.series.memory).toEqual([[minute * 60_000, 25]]);
  });
});

describe("metrics query", () => {
  it("takes ISO 8601 as well as epoch ms", async () => {
    const { owner, id } = await anchored();
    const to = Date.now();
    const body = await json(await metrics(owner, id, `from=${encodeURIComponent(new Date(to - 7 * 24 * 3600_000).toISOString())}&to=${to}`));
    expect(body).toMatchObject({ from: to - 7 * 24 * 3600_000, to, resolution: "5m", step: 1800 }); // the default: the finest step under 500 points
  });

  it.each([
    ["from=yesterday", "from"],
    ["to=2026-13-01T00:00:00Z", "to"],
    [`from=${Date.now()}&to=${Date.now() - 1000}`, "from"],
    [`from=${Date.now() - 31 * 24 * 3600_000}`, "from"],
    ["step=1", "step"],
    ["step=7.5", "step"],
    [`from=${Date.now() - 30 * 24 * 3600_000}&to=${Date.now()}&step=60`, "step"], // 30 days in 5-minute buckets is 8,640 points, over the cap
    ["hours=1", "(query)"],
  ])("refuses %s naming %s, with a 400", async (query, field) => {
    const { owner, id } = await anchored();
    const res = await metrics(owner, id, query);
    expect(res.status).toBe(400);
    const err = errorOf(await json(res));
    expect(err.code).toBe("E-VALIDATION");
    if (field === "(query)") expect(err.message).toMatch(/unknown field/);
    else expect(err.fields?.map((f) => f.path)).toContain(field);
  });

  it("is refused to strangers (404, as for an unknown id) and to no one signed in (401); a read share may read it", async () => {
    const { owner, id } = await anchored();
    const stranger = await register();
    const res = await metrics(stranger, id, "");
    expect(res.status).toBe(404);
    expect(errorOf(await json(res)).code).toBe("E-NOT-FOUND");
    expect((await call(`/api/cloud/instance/${id}/metrics`)).status).toBe(401);
    const sharee = await register();
    expect((await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: sharee.email, instance_id: id, permissions: ["read:cloud_instance"] } })).status).toBe(200);
    expect((await metrics(sharee, id, "")).status).toBe(200);
  });
});
