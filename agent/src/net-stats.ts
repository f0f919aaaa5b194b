import { readFile } from "node:fs/promises";

/** Cumulative byte counters per interface, and when they were read (ms, monotonic). */
export interface NetCounters {
  at: number;
  interfaces: Map<string, { rx: number; tx: number }>;
}

/**
 * The byte counters of /proc/net/dev (Linux): after two header lines, one line per interface,
 * `name: rx_bytes rx_packets … (8 receive fields) tx_bytes …`. The loopback is left out: it is
 * the machine talking to itself. Lines that do not fit are skipped.
 */
export function parseNetDev(text: string): Map<string, { rx: number; tx: number }> {
  const out = new Map<string, { rx: number; tx: number }>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (!name || name === "lo" || name.includes("|")) continue;
    const fields = line.slice(colon + 1).trim().split(/\s+/);
    const rx = Number(fields[0]);
    const tx = Number(fields[8]);
    if (fields.length < 9 || !Number.isFinite(rx) || !Number.isFinite(tx)) continue;
    out.set(name, { rx, tx });
  }
  return out;
}

/**
 * Bytes per second received and sent between two readings, summed over the interfaces present in
 * both. An interface whose counter went backwards (reset, or a new interface under an old name)
 * counts nothing this time rather than a huge or negative rate.
 */
export function netRates(prev: NetCounters, next: NetCounters): { rx: number; tx: number } | undefined {
  const seconds = (next.at - prev.at) / 1000;
  if (!(seconds > 0)) return undefined;
  let rx = 0;
  let tx = 0;
  for (const [name, now] of next.interfaces) {
    const before = prev.interfaces.get(name);
    if (!before) continue;
    if (now.rx >= before.rx) rx += now.rx - before.rx;
    if (now.tx >= before.tx) tx += now.tx - before.tx;
  }
  return { rx: Math.round(rx / seconds), tx: Math.round(tx / seconds) };
}

/** This machine's counters now: Linux only (undefined elsewhere, or when /proc is not readable). */
export async function readNetCounters(path = "/proc/net/dev"): Promise<NetCounters | undefined> {
  if (process.platform !== "linux") return undefined;
  try {
    const text = await readFile(path, "utf8");
    return { at: performance.now(), interfaces: parseNetDev(text) };
  } catch {
    return undefined; // no /proc (a sandbox): heartbeats simply carry no network figures
  }
}
