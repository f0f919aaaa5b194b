import { readFile } from "node:fs/promises";
import os from "node:os";
import { describe, expect, it } from "vitest";
import { systemInfoSchema, systemStatsSchema } from "@anchorage/common/protocol/messages";
import { collectStats, sampleCpu, systemInfo } from "../../agent/src/system-stats.ts";

describe("collectStats", () => {
  it("returns stats the heartbeat schema accepts, with sane values", async () => {
    const { stats, sample } = await collectStats();
    expect(systemStatsSchema.parse(stats)).toEqual(stats);
    expect(stats.memory.total).toBe(os.totalmem());
    expect(stats.memory.used).toBeGreaterThan(0);
    expect(stats.memory.used).toBeLessThanOrEqual(stats.memory.total);
    expect(stats.disk.total).toBeGreaterThan(0);
    expect(stats.disk.used).toBeLessThanOrEqual(stats.disk.total);
    expect(stats.uptime).toBeGreaterThan(0);
    expect(sample.total).toBeGreaterThan(0);
  });

  it("measures CPU since the previous sample: a busy loop shows up", async () => {
    const { sample } = await collectStats();
    const until = Date.now() + 400;
    while (Date.now() < until); // keep one core busy
    const { stats } = await collectStats(sample);
    // One busy core of N: at least a share of 1/N, give or take scheduling noise.
    expect(stats.cpu).toBeGreaterThan(50 / os.availableParallelism());
    expect(stats.cpu).toBeLessThanOrEqual(100);
  });

  it("reports 0%, never a negative share or NaN, when the counters went backwards", async () => {
    const now = sampleCpu();
    const { stats } = await collectStats({ busy: now.busy + 1e12, total: now.total + 1e12 });
    expect(stats.cpu).toBe(0);
  });
});

describe("systemInfo", () => {
  it("describes this machine and process in the system.info shape", async () => {
    const startedAt = new Date("2025-01-01T00:00:00.000Z");
    const info = await systemInfo(startedAt);
    const pkg = JSON.parse(await readFile(new URL("../../agent/package.json", import.meta.url), "utf8")) as { version: string };
    expect(systemInfoSchema.parse(info)).toEqual(info);
    expect(info).toMatchObject({
      hostname: os.hostname(),
      platform: process.platform,
      arch: process.arch,
      node: process.version,
      agent_version: pkg.version,
      pid: process.pid,
      started_at: "2025-01-01T00:00:00.000Z",
    });
    expect(info.cpus).toBeGreaterThan(0);
  });
});
