import { statfs } from "node:fs/promises";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { systemStatsSchema } from "@anchorage/common/protocol/messages";
import { netRates, parseNetDev, readNetCounters } from "../../agent/src/net-stats.ts";
import { collectStats } from "../../agent/src/system-stats.ts";

// A real /proc/net/dev (Linux 6.x), trimmed: loopback, a wired card, a docker bridge.
const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 9876543   12345    0    0    0     0          0         0  9876543   12345    0    0    0     0       0          0
  eth0: 1500000000 1000000    0    3    0     0          0        12 250000000  800000    0    0    0     0       0          0
docker0:       0       0    0    0    0     0          0         0      512       6    0    0    0     0       0          0
`;

describe("parseNetDev", () => {
  it("reads received and sent bytes per interface, without the loopback", () => {
    const m = parseNetDev(NET_DEV);
    expect([...m.keys()]).toEqual(["eth0", "docker0"]);
    expect(m.get("eth0")).toEqual({ rx: 1_500_000_000, tx: 250_000_000 });
    expect(m.get("docker0")).toEqual({ rx: 0, tx: 512 });
  });

  it("skips lines that do not fit (headers, short or garbled lines)", () => {
    const m = parseNetDev(`${NET_DEV}  bad0: 12 x\n  weird: a b c d e f g h i\n\n`);
    expect([...m.keys()]).toEqual(["eth0", "docker0"]);
  });
});

describe("netRates", () => {
  const at = (ms: number, entries: [string, number, number][]) => ({ at: ms, interfaces: new Map(entries.map(([n, rx, tx]) => [n, { rx, tx }])) });

  it("is bytes per second since the previous reading, summed over interfaces", () => {
    const r = netRates(at(0, [["eth0", 1000, 500], ["wlan0", 0, 0]]), at(5000, [["eth0", 11_000, 1000], ["wlan0", 5000, 2500]]));
    expect(r).toEqual({ rx: (10_000 + 5000) / 5, tx: (500 + 2500) / 5 });
  });

  it("counts nothing for an interface whose counter went backwards or that is new", () => {
    const r = netRates(at(0, [["eth0", 1_000_000, 1_000_000]]), at(1000, [["eth0", 10, 2_000_000], ["tun0", 99_999, 99_999]]));
    expect(r).toEqual({ rx: 0, tx: 1_000_000 });
  });

  it("gives nothing when no time has passed", () => {
    expect(netRates(at(1000, [["eth0", 1, 1]]), at(1000, [["eth0", 2, 2]]))).toBeUndefined();
  });
});

describe("readNetCounters", () => {
  it.runIf(process.platform === "linux")("reads a /proc/net/dev file", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "netdev-"));
    try {
      await writeFile(path.join(dir, "dev"), NET_DEV);
      const c = await readNetCounters(path.join(dir, "dev"));
      expect(c?.interfaces.get("eth0")).toEqual({ rx: 1_500_000_000, tx: 250_000_000 });
      expect(await readNetCounters(path.join(dir, "missing"))).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("collectStats: disk and network", () => {
  it("reports the root filesystem's real usage", async () => {
    const { stats } = await collectStats();
    const s = await statfs("/");
    expect(stats.disk.total).toBe(s.blocks * s.bsize);
    expect(stats.disk.used).toBeGreaterThan(0);
  });

  it.runIf(process.platform === "linux")("has no network figures on the first heartbeat and rates on the next", async () => {
    const first = await collectStats();
    expect(first.stats.net).toBeUndefined();
    await new Promise((r) => setTimeout(r, 50));
    const next = await collectStats(first.sample);
    expect(systemStatsSchema.parse(next.stats)).toEqual(next.stats);
    expect(next.stats.net).toEqual({ rx: expect.any(Number), tx: expect.any(Number) });
    expect(next.stats.net!.rx).toBeGreaterThanOrEqual(0);
  });

  it("parses a heartbeat without network figures (an older agent's)", () => {
    const old = { cpu: 1, memory: { used: 1, total: 2 }, disk: { used: 1, total: 2 }, load: [0, 0, 0], uptime: 1 };
    expect(systemStatsSchema.parse(old)).toEqual(old);
  });
});
