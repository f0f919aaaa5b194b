import { readFileSync } from "node:fs";
import { statfs } from "node:fs/promises";
import os from "node:os";
import { parse } from "node:path";
import type { SystemInfo, SystemStats } from "@anchorage/common/protocol/messages";
import { bundledVersion } from "./bundle-info.ts";
import { netRates, readNetCounters, type NetCounters } from "./net-stats.ts";

/** Cumulative CPU times across all cores, kept between samples to compute the busy share. */
export interface CpuSample {
  busy: number; // ms
  total: number; // ms
}

/** What one heartbeat keeps for the next: CPU times and, on Linux, the network byte counters. */
export interface StatsSample extends CpuSample {
  net?: NetCounters;
}

export interface StatsOptions {
  /** Filesystem whose usage is reported; default the root of the current drive ("/" on Unix). */
  diskPath?: string;
}

/** The CPU times of os.cpus() summed over every core. */
export function sampleCpu(): CpuSample {
  let busy = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

/**
 * One heartbeat's stats. CPU is the busy share since `prev` (or since boot on the first
 * call), network the bytes per second since `prev` (none on the first call); pass the returned
 * `sample` to the next call. Cheap enough for every 5 s: os counters, one statfs, one small
 * read of /proc/net/dev.
 */
export async function collectStats(
  prev?: StatsSample,
  options: StatsOptions = {},
): Promise<{ stats: SystemStats; sample: StatsSample }> {
  const net = await readNetCounters();
  const sample: StatsSample = { ...sampleCpu(), net };
  const busy = sample.busy - (prev?.busy ?? 0);
  const total = sample.total - (prev?.total ?? 0);
  const cpu = total > 0 ? clamp((busy / total) * 100, 0, 100) : 0;

  const memTotal = os.totalmem();
  const load = os.loadavg();
  const stats: SystemStats = {
    cpu: Math.round(cpu * 10) / 10,
    memory: { used: Math.max(0, memTotal - os.freemem()), total: memTotal },
    disk: await diskUsage(options.diskPath ?? parse(process.cwd()).root),
    load: [load[0] ?? 0, load[1] ?? 0, load[2] ?? 0],
    uptime: Math.max(0, os.uptime()),
  };
  const rates = prev?.net && net ? netRates(prev.net, net) : undefined;
  if (rates) stats.net = rates;
  return { stats, sample };
}

async function diskUsage(path: string): Promise<SystemStats["disk"]> {
  const s = await statfs(path);
  // "used" as df counts it: blocks not free (bfree), including those reserved for root.
  const total = s.blocks * s.bsize;
  return { used: Math.max(0, (s.blocks - s.bfree) * s.bsize), total };
}

let agentVersion: string | undefined;

/** The version in agent/package.json, read once (the bundle's is fixed when it is built). */
export function readAgentVersion(): string {
  if (bundledVersion !== undefined) return bundledVersion;
  if (agentVersion === undefined) {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: unknown };
    agentVersion = typeof pkg.version === "string" ? pkg.version : "0.0.0";
  }
  return agentVersion;
}

/** What the agent tells about its machine for the `system.info` RPC. */
export async function systemInfo(startedAt: Date, prev?: StatsSample, options: StatsOptions = {}): Promise<SystemInfo> {
  const { stats } = await collectStats(prev, options);
  return {
    // Trimmed to the protocol's limits so an odd machine never makes the message invalid.
    hostname: os.hostname().slice(0, 255),
    platform: process.platform.slice(0, 50),
    arch: process.arch.slice(0, 50),
    release: os.release().slice(0, 200),
    cpus: os.availableParallelism(),
    node: process.version.slice(0, 50),
    agent_version: readAgentVersion().slice(0, 50),
    pid: process.pid,
    started_at: startedAt.toISOString(),
    stats,
  };
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}
