/**
 * Benchmark (run by hand, not in CI): N agents anchored to one local stack.
 *
 *   npx tsx scripts/bench/anchor-fleet.ts [--agents 200] [--per-process 25] [--commands 50]
 *
 * Measures, in one run: time until all N agents are online (as seen on a dashboard's
 * event socket), workerd's memory, one real `anchorage run` process's memory, and the
 * latency from a command request to its first output event on the dashboard socket.
 * Baselines measured in the same run: N raw WebSocket connections to a bare Node server
 * (the transport's floor), and `ssh localhost echo hi` when a local sshd accepts key auth.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { exportJWK, generateKeyPair } from "jose";
import { jsonApi, sleep, waitFor } from "./bench-lib.ts";

const { values } = parseArgs({ options: { agents: { type: "string", default: "200" }, "per-process": { type: "string", default: "25" }, commands: { type: "string", default: "50" }, port: { type: "string", default: "8795" } } });
const N = Number(values.agents);
const PER = Number(values["per-process"]);
const COMMANDS = Number(values.commands);
const PORT = Number(values.port);
const ROOT = new URL("../..", import.meta.url).pathname;
const NODE = join(ROOT, "node_modules/.bin/node");
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = { email: "bench@anchorage.local", password: "bench admin password" };
const children: ChildProcess[] = [];
const work = mkdtempSync(join(tmpdir(), "anchorage-bench-"));

const api = jsonApi(BASE);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const rssKb = (pids: number[]) => pids.reduce((n, pid) => n + Number(execFileSync("ps", ["-o", "rss=", "-p", String(pid)]).toString().trim() || 0), 0);
const pidsOf = (name: string) => spawnSync("pgrep", ["-x", name]).stdout.toString().trim().split("\n").filter(Boolean).map(Number);



async function startStack() {
  if (!existsSync(join(ROOT, "frontend/dist/index.html"))) spawnSync("npm", ["run", "build", "-w", "frontend", "--silent"], { cwd: ROOT, stdio: "inherit" });
  const stack = spawn("npm", ["start"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(PORT), ANCHORAGE_STATE_DIR: join(work, "state"), ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, SKIP_FRONTEND_BUILD: "1" },
    stdio: "ignore",
    detached: true,
  });
  children.push(stack);
  await waitFor(async () => (await fetch(`${BASE}/healthz`).catch(() => null))?.ok, 120_000, "the stack");
}

/** Baseline: N raw WebSocket connections to a bare Node server that answers each hello. */
async function rawWebSocketBaseline(n: number): Promise<number> {
  // A minimal RFC 6455 server: the handshake, then one unmasked text frame per hello.
  const { createHash } = await import("node:crypto");
  const server = createServer();
  server.on("upgrade", (req, socket) => {
    const accept = createHash("sha1").update(req.headers["sec-websocket-key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket.once("data", () => socket.write(Buffer.from([0x81, 7, ...Buffer.from("welcome")])));
    socket.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const t0 = performance.now();
  const sockets = await Promise.all(
    Array.from({ length: n }, () => new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
      ws.addEventListener("open", () => ws.send("hello"));
      ws.addEventListener("message", () => resolve(ws));
      ws.addEventListener("error", reject);
    })),
  );
  const ms = performance.now() - t0;
  for (const s of sockets) s.close();
  server.close();
  return ms;
}

function sshBaseline(runs: number): number[] | null {
  const ok = spawnSync("ssh", ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "ConnectTimeout=3", "localhost", "true"], { timeout: 5000 });
  if (ok.status !== 0) return null;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    spawnSync("ssh", ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "localhost", "echo", "hi"]);
    times.push(performance.now() - t0);
  }
  return times;
}

async function main() {
  console.log(`▸ baseline: ${N} raw WebSocket connections`);
  const rawMs = await rawWebSocketBaseline(N);
  console.log(`▸ starting the stack on ${BASE}`);
  await startStack();
  const token = (await api("/auth/login", ADMIN)).tokens.access_token;

  console.log(`▸ registering ${N} instances`);
  const creds: any[] = [];
  for (let i = 0; i < N; i += 20) {
    creds.push(...(await Promise.all(Array.from({ length: Math.min(20, N - i) }, async (_, j) => {
      const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
      const pub = await exportJWK(publicKey);
      const reg = await api("/api/cloud/instances/register", { name: `bench-${i + j}`, public_key: { kty: "EC", crv: "P-256", x: pub.x, y: pub.y } }, token);
      return { instance_id: reg.instance_id, url: BASE, private_jwk: await exportJWK(privateKey), public_jwk: pub, anchored_at: new Date().toISOString() };
    }))));
  }

  const online = new Set<string>();
  const firstOutput = new Map<string, number>();
  const events = new WebSocket(`ws://127.0.0.1:${PORT}/api/events`, { headers: { authorization: `Bearer ${token}` } } as unknown as string[]);
  events.addEventListener("message", (e) => {
    const ev = JSON.parse(String(e.data));
    if (ev.type === "cloud:instance-update" && ev.status === "online") online.add(ev.instanceId);
    if (ev.type === "cloud:command-progress" && ev.data && !firstOutput.has(ev.instanceId)) firstOutput.set(ev.instanceId, performance.now());
  });
  await new Promise((r) => events.addEventListener("open", r));

  console.log(`▸ starting ${N} agents in ${Math.ceil(N / PER)} processes`);
  const t0 = performance.now();
  for (let i = 0; i < N; i += PER) {
    const file = join(work, `fleet-${i}.json`);
    writeFileSync(file, JSON.stringify(creds.slice(i, i + PER)));
    children.push(spawn(NODE, [join(ROOT, "scripts/bench/fleet-worker.ts"), file], { stdio: "ignore" }));
  }
  await waitFor(() => online.size >= N, 300_000, `${N} agents online`);
  const allOnlineMs = performance.now() - t0;
  await sleep(3000);
  const workerdKb = rssKb(pidsOf("workerd"));

  console.log("▸ one real `anchorage run` process");
  const home = join(work, "single");
  const anchorRun = spawnSync(NODE, [join(ROOT, "agent/bin/anchorage.mjs"), "anchor", BASE, "--home", home, "--token", token, "--name", "single"], { encoding: "utf8" });
  if (anchorRun.status !== 0) throw new Error(anchorRun.stderr);
  const single = spawn(NODE, [join(ROOT, "agent/bin/anchorage.mjs"), "run", "--home", home], { stdio: "ignore" });
  children.push(single);
  await sleep(6000);
  const agentKb = rssKb([single.pid!]);

  console.log(`▸ ${COMMANDS} commands → first output event`);
  const latencies: number[] = [];
  for (let i = 0; i < COMMANDS; i++) {
    const id = creds[(i * 7919) % N].instance_id;
    firstOutput.delete(id);
    const t = performance.now();
    await api(`/api/cloud/instance/${id}/command`, { command: "hi" }, token);
    await waitFor(() => firstOutput.has(id), 10_000, "command output event");
    latencies.push(firstOutput.get(id)! - t);
  }
  const ssh = sshBaseline(Math.min(COMMANDS, 20));

  const row = (k: string, v: string, base: string, ratio: string) => `| ${k} | ${v} | ${base} | ${ratio} |`;
  console.log(`\n| measure (${N} agents) | Anchorage | baseline (same run) | ratio |\n|---|---|---|---|`);
  console.log(row("time until all online", `${(allOnlineMs / 1000).toFixed(2)} s`, `${(rawMs / 1000).toFixed(2)} s (${N} raw WebSockets to a bare Node server)`, `${(allOnlineMs / rawMs).toFixed(1)}×`));
  console.log(row("workerd memory (RSS, all agents connected)", `${(workerdKb / 1024).toFixed(0)} MiB`, "—", "—"));
  console.log(row("one `anchorage run` process (RSS)", `${(agentKb / 1024).toFixed(0)} MiB`, "—", "—"));
  const p50 = pct(latencies, 50), p95 = pct(latencies, 95);
  if (ssh) {
    console.log(row("command → first output on the dashboard socket, p50", `${p50.toFixed(1)} ms`, `${pct(ssh, 50).toFixed(1)} ms (ssh localhost echo hi)`, `${(p50 / pct(ssh, 50)).toFixed(2)}×`));
    console.log(row("same, p95", `${p95.toFixed(1)} ms`, `${pct(ssh, 95).toFixed(1)} ms`, `${(p95 / pct(ssh, 95)).toFixed(2)}×`));
  } else {
    console.log(row("command → first output on the dashboard socket, p50 / p95", `${p50.toFixed(1)} / ${p95.toFixed(1)} ms`, "ssh baseline skipped: no sshd with key auth on localhost", "—"));
  }
  events.close();
}

try {
  await main();
} finally {
  for (const c of children) {
    try {
      if (c.pid) process.kill(-c.pid, "SIGTERM");
    } catch {
      c.kill("SIGTERM");
    }
  }
  await sleep(500);
  rmSync(work, { recursive: true, force: true });
}
