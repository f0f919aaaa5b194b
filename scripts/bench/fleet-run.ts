/**
 * Benchmark (run by hand, not in CI): one run (`POST /api/cloud/runs`) of a command on N bench
 * agents of one local stack.
 *
 *   npx tsx scripts/bench/fleet-run.ts [--agents 1000] [--per-process 50] [--concurrency 100] [--port 8797]
 *
 * Measures the time from the request to every member's result (the run's own `done`), and per
 * machine the time from the request to its result and its own start→end, p50/p99. Baseline, in the
 * same run: the same N commands sent by the client one instance at a time
 * (`POST /api/cloud/instance/:id/command`) with the same number in flight, as a script would
 * without runs. Agents are scripts/bench/fleet-worker.ts's: many connections per process, each
 * answering the `hi` command (echo hi). Ends with one JSON line of figures.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { exportJWK, generateKeyPair } from "jose";
import { jsonApi, sleep, waitFor } from "./bench-lib.ts";

const { values } = parseArgs({ options: { agents: { type: "string", default: "1000" }, "per-process": { type: "string", default: "50" }, concurrency: { type: "string", default: "100" }, port: { type: "string", default: "8797" } } });
const N = Number(values.agents);
const PER = Number(values["per-process"]);
const CONCURRENCY = Number(values.concurrency);
const PORT = Number(values.port);
const ROOT = new URL("../..", import.meta.url).pathname;
const NODE = join(ROOT, "node_modules/.bin/node");
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = { email: "bench@anchorage.local", password: "bench admin password" };
const children: ChildProcess[] = [];
const work = mkdtempSync(join(tmpdir(), "anchorage-bench-run-"));
const api = jsonApi(BASE);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function startStack() {
  if (!existsSync(join(ROOT, "frontend/dist/index.html"))) throw new Error("build the frontend first (cd frontend && npx vite build)");
  const stack = spawn("npm", ["start"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(PORT), ANCHORAGE_STATE_DIR: join(work, "state"), ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, SKIP_FRONTEND_BUILD: "1" },
    stdio: "ignore",
    detached: true,
  });
  children.push(stack);
  await waitFor(async () => (await fetch(`${BASE}/healthz`).catch(() => null))?.ok, 180_000, "the stack");
}

/** Runs `fn` on every item with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (t: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

async function main() {
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
  const resultAt = new Map<string, number>();
  let runDoneAt = 0;
  const events = new WebSocket(`ws://127.0.0.1:${PORT}/api/events`, { headers: { authorization: `Bearer ${token}` } } as unknown as string[]);
  events.addEventListener("message", (e) => {
    const ev = JSON.parse(String(e.data));
    if (ev.type === "cloud:instance-update" && ev.status === "online") online.add(ev.instanceId);
    if (ev.type === "cloud:run-progress" && !["queued", "running"].includes(ev.result.state) && !resultAt.has(ev.instanceId)) resultAt.set(ev.instanceId, performance.now());
    if (ev.type === "cloud:run-progress" && ev.state === "done" && !runDoneAt) runDoneAt = performance.now();
  });
  await new Promise((r) => events.addEventListener("open", r));

  console.log(`▸ starting ${N} agents in ${Math.ceil(N / PER)} processes`);
  for (let i = 0; i < N; i += PER) {
    const file = join(work, `fleet-${i}.json`);
    writeFileSync(file, JSON.stringify(creds.slice(i, i + PER)));
    children.push(spawn(NODE, [join(ROOT, "scripts/bench/fleet-worker.ts"), file], { stdio: "ignore" }));
  }
  // Under load an agent or two may still be backing off: after two minutes, go on with those online (the figures say how many).
  const onlineNow = async () => ((await api("/api/cloud/instances", undefined, token)).instances as { id: string; status: string }[]).filter((i) => i.status === "online").map((i) => i.id);
  await waitFor(() => online.size >= N, 120_000, `${N} agents online`, 250).catch(() => console.log(`▸ ${online.size} of ${N} online after 2 minutes: going on with those`));
  await sleep(3000);
  const ids = (await onlineNow()).filter((id) => creds.some((c) => c.instance_id === id));
  const M = ids.length;
  if (M === 0) throw new Error(`no agent is online (of ${N}): this host cannot carry that many; try fewer --agents`);

  console.log(`▸ baseline: ${M} single commands from the client, ${CONCURRENCY} in flight`);
  const single: number[] = [];
  const b0 = performance.now();
  let singleFailed = 0;
  await pool(ids, CONCURRENCY, async (id) => {
    const t = performance.now();
    const r = await api(`/api/cloud/instance/${id}/command`, { command: "hi" }, token).catch(() => null);
    if (r?.status !== "success") singleFailed++;
    single.push(performance.now() - t);
  });
  const baselineMs = performance.now() - b0;

  console.log(`▸ one run on ${M} instances, concurrency ${CONCURRENCY}`);
  const t0 = performance.now();
  const { runId } = await api("/api/cloud/runs", { target: { instanceIds: ids }, command: "hi", concurrency: CONCURRENCY }, token);
  const acceptedMs = performance.now() - t0;
  await waitFor(() => runDoneAt > 0, 900_000, "the run to end", 50);
  const allResultsMs = runDoneAt - t0;
  const run = await api(`/api/cloud/runs/${runId}`, undefined, token);
  const toResult = [...resultAt.values()].map((t) => t - t0);
  const own = run.results.filter((r: any) => r.started_at && r.ended_at).map((r: any) => Date.parse(r.ended_at) - Date.parse(r.started_at));
  const figures = {
    bench: "fleet-run",
    agents: N,
    agents_in_run: M,
    concurrency: CONCURRENCY,
    run_accepted_ms: Math.round(acceptedMs),
    run_all_results_ms: Math.round(allResultsMs),
    run_success: run.counts.success,
    run_not_success: M - run.counts.success,
    per_machine_request_to_result_p50_ms: Math.round(pct(toResult, 50)),
    per_machine_request_to_result_p99_ms: Math.round(pct(toResult, 99)),
    per_machine_start_to_end_p50_ms: pct(own, 50),
    per_machine_start_to_end_p99_ms: pct(own, 99),
    baseline_client_singles_all_ms: Math.round(baselineMs),
    baseline_single_p50_ms: Math.round(pct(single, 50)),
    baseline_single_p99_ms: Math.round(pct(single, 99)),
    baseline_failed: singleFailed,
    ratio_run_vs_baseline: Number((allResultsMs / baselineMs).toFixed(2)),
  };
  console.log(`\n| measure (${M} agents, ${CONCURRENCY} at a time) | run | baseline: client sends ${M} single commands |\n|---|---|---|`);
  console.log(`| time to all results | ${(allResultsMs / 1000).toFixed(2)} s (request answered in ${acceptedMs.toFixed(0)} ms) | ${(baselineMs / 1000).toFixed(2)} s |`);
  console.log(`| per machine, p50 / p99 | ${figures.per_machine_request_to_result_p50_ms} / ${figures.per_machine_request_to_result_p99_ms} ms from the request; ${figures.per_machine_start_to_end_p50_ms} / ${figures.per_machine_start_to_end_p99_ms} ms start→end | ${figures.baseline_single_p50_ms} / ${figures.baseline_single_p99_ms} ms per call |`);
  console.log(JSON.stringify(figures));
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
