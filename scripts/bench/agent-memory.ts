/**
 * Benchmark (run by hand, not in CI): an idle agent's resident memory (issue 22).
 *
 *   npx tsx scripts/bench/agent-memory.ts [--port 8796] [--idle 10] [--late 60] [--repeat 3] [--compare DIR]
 *
 * Starts its own stack (temporary state), anchors agent homes to it, and for each way the agent
 * runs — from source (`agent/bin/anchorage.mjs`, Node's type stripping) and as the single-file
 * bundle a machine installs (scripts/build-agent.ts, built into a temporary folder) — starts
 * `anchorage run`, waits until the server says it is online, and reads VmRSS from
 * /proc/<pid>/status after `--idle` seconds idle and again after `--late`: the agent process (the
 * one holding the socket) and the keeper (`anchorage run` without a supervisor runs the agent as
 * its child and keeps the PID). `run --supervised` is the agent alone. All run at once, each in its
 * own process, `--repeat` copies of each (the same process idles some MiB apart from one run to
 * the next: allocator and GC timing), and the table gives medians with the range. Baselines in the same run: a bare
 * `node -e 'setInterval(()=>{},1e3)'`, and a bare Node process holding one WebSocket to the same
 * stack (the dashboard's event socket). `--compare DIR` measures another checkout's agent too (say
 * `git archive <commit> agent common scripts/build-agent.ts package.json | tar -x -C DIR`, with
 * DIR/node_modules linked to this one's), against the same stack and baselines. Besides RSS each
 * row gives the process's private memory, the part no other process shares. The last line printed
 * is one JSON object of the figures.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildAgent } from "../build-agent.ts";
import { jsonApi, sleep, waitFor } from "./bench-lib.ts";

const { values } = parseArgs({ options: { port: { type: "string", default: "8796" }, idle: { type: "string", default: "10" }, late: { type: "string", default: "60" }, repeat: { type: "string", default: "3" }, compare: { type: "string" } } });
const PORT = Number(values.port);
const IDLE_MS = Number(values.idle) * 1000;
const LATE_MS = Math.max(IDLE_MS, Number(values.late) * 1000);
const REPEAT = Math.max(1, Number(values.repeat));
const ROOT = new URL("../..", import.meta.url).pathname;
const NODE = join(ROOT, "node_modules/.bin/node");
const BASE = `http://127.0.0.1:${PORT}`;
const api = jsonApi(BASE);
const ADMIN = { email: "bench@anchorage.local", password: "bench admin password" };
const work = mkdtempSync(join(tmpdir(), "anchorage-bench-mem-"));
const children: ChildProcess[] = [];
const mib = (kb: number) => kb / 1024;

/**
 * One process's memory in KiB: VmRSS (/proc/<pid>/status), and the part of it no other process
 * shares (Private_Clean + Private_Dirty of /proc/<pid>/smaps_rollup). Most of a Node process's RSS
 * is the node binary's pages, which every Node process on the machine shares.
 */
function memoryKb(pid: number): Mem {
  try {
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(rollup)?.[1] ?? 0);
    return { rss, private: field("Private_Clean") + field("Private_Dirty") };
  } catch {
    return { rss: 0, private: 0 };
  }
}
type Mem = { rss: number; private: number };

/** The direct children of `pid`, from /proc (the keeper's agent). */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) found.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}



async function startStack() {
  const stack = spawn("npm", ["start"], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", PORT: String(PORT), ANCHORAGE_STATE_DIR: join(work, "state"), ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, SKIP_FRONTEND_BUILD: "1" },
    stdio: "ignore",
    detached: true,
  });
  children.push(stack);
  await waitFor(async () => (await fetch(`${BASE}/healthz`).catch(() => null))?.ok, 180_000, "the stack", 200);
}

/** A process started in its own group (so the finally block ends it and its children). */
function start(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const p = spawn(NODE, args, { stdio: ["ignore", "ignore", "inherit"], detached: true, env: { ...process.env, ...env } });
  children.push(p);
  return p;
}

/** A way of running measured: its label, and once up, the pids of its --repeat processes (the agent, and its keeper if any). */
type Subject = { label: string; pids: { agent: number; keeper?: number }[] };
type Pids = Subject["pids"][number];

/** --repeat copies of `start`, all at once: the same process idles some MiB apart from run to run (allocator, GC timing). */
async function repeated(label: string, start: (copy: number) => Promise<Pids>): Promise<Subject> {
  // One after another: twenty Node processes starting at once on a small machine make the stack drop requests.
  const pids: Pids[] = [];
  for (let i = 1; i <= REPEAT; i++) pids.push(await start(i));
  return { label, pids };
}

/** One `anchorage run` from a fresh home, resolved once the server says it is online. */
async function startRun(label: string, cli: string, token: string, supervised: boolean, copy: number): Promise<Pids> {
  const name = `${label.replace(/\W+/g, "-").slice(0, 60)}-${copy}`;
  const home = join(work, name);
  const anchored = spawnSync(NODE, [cli, "anchor", BASE, "--home", home, "--token", token, "--name", name], { encoding: "utf8" });
  if (anchored.status !== 0) throw new Error(`anchor (${label}): ${anchored.stderr}`);
  const id = JSON.parse(readFileSync(join(home, "credential.json"), "utf8")).instance_id as string;
  const run = start([cli, "run", "--home", home, ...(supervised ? ["--supervised"] : [])]);
  // A status read that fails (the stack busy with the others starting) is asked again.
  await waitFor(async () => (await api(`/api/cloud/instance/${id}/status`, undefined, token).catch(() => null))?.online, 120_000, `${label} online`, 200);
  if (supervised) return { agent: run.pid! };
  const agent = childrenOf(run.pid!)[0];
  if (!agent) throw new Error(`${label}: the keeper has no agent child`);
  return { agent, keeper: run.pid! };
}

/** Baseline: a bare Node process, optionally holding one WebSocket to the stack (resolved once open). */
async function startBare(token: string | null): Promise<Pids> {
  const code = token
    ? `const ws = new WebSocket(process.env.URL, { headers: { authorization: "Bearer " + process.env.TOKEN } }); ws.onopen = () => console.log("open"); setInterval(() => {}, 1e3);`
    : "setInterval(()=>{},1e3)";
  const p = spawn(NODE, ["-e", code], { stdio: ["ignore", "pipe", "inherit"], detached: true, env: { ...process.env, URL: `ws://127.0.0.1:${PORT}/api/events`, TOKEN: token ?? "" } });
  children.push(p);
  if (token) await waitFor(() => new Promise<boolean>((r) => p.stdout!.once("data", (d) => r(String(d).includes("open")))), 30_000, "the bare WebSocket open", 200);
  return { agent: p.pid! };
}

/** The median of each figure over a subject's copies, and the RSS range (KiB). */
function read(s: Subject): { agent: Mem; keeper: Mem | null; range: string; keeperRange: string } {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const of = (mems: Mem[]) => ({ rss: median(mems.map((m) => m.rss)), private: median(mems.map((m) => m.private)) });
  const range = (mems: Mem[]) => `${mib(Math.min(...mems.map((m) => m.rss))).toFixed(1)}–${mib(Math.max(...mems.map((m) => m.rss))).toFixed(1)}`;
  const agents = s.pids.map((p) => memoryKb(p.agent));
  const keepers = s.pids.flatMap((p) => (p.keeper ? [memoryKb(p.keeper)] : []));
  return { agent: of(agents), keeper: keepers.length ? of(keepers) : null, range: range(agents), keeperRange: keepers.length ? range(keepers) : "" };
}

/** A checkout's agents (this one's, or --compare's): from source and bundled, under the keeper and supervised. */
async function startAgents(root: string, token: string, label: string): Promise<Subject[]> {
  const { buildAgent: build } = (await import(join(root, "scripts/build-agent.ts"))) as { buildAgent: typeof buildAgent };
  const manifest = await build(join(work, `bundle-${label}`));
  const bundle = join(work, `bundle-${label}`, manifest.file);
  const of = label === "this" ? "" : ` (${root})`;
  const run = (label: string, cli: string, supervised: boolean) => repeated(label, (copy) => startRun(label, cli, token, supervised, copy));
  return Promise.all([
    run(`agent from source (\`agent/bin/anchorage.mjs run\`)${of}`, join(root, "agent/bin/anchorage.mjs"), false),
    run(`agent, the bundle (\`anchorage-<v>.mjs run\`)${of}`, bundle, false),
    run(`agent, the bundle, \`run --supervised\` (no keeper)${of}`, bundle, true),
  ]);
}

async function main() {
  console.log(`▸ starting the stack on ${BASE}`);
  await startStack();
  const token = (await api("/auth/login", ADMIN)).tokens.access_token as string;

  // Everything runs at once, each in its own process: memory is per process, and nothing is busy.
  console.log(`▸ the baselines and the agents${values.compare ? ` (this checkout's and ${values.compare}'s)` : ""}, until all are online`);
  const subjects = (await Promise.all([
    repeated("baseline: bare `node -e 'setInterval(()=>{},1e3)'`", () => startBare(null)).then((s) => [s]),
    repeated("baseline: bare Node holding one WebSocket to the stack", () => startBare(token)).then((s) => [s]),
    startAgents(ROOT, token, "this"),
    ...(values.compare ? [startAgents(values.compare, token, "compare")] : []),
  ])).flat();
  console.log(`▸ idle ${IDLE_MS / 1000} s`);
  await sleep(IDLE_MS);
  const early = subjects.map(read);
  console.log(`▸ idle ${LATE_MS / 1000} s (V8 gives back the young generation it grew at start once the process has been idle a while)`);
  await sleep(LATE_MS - IDLE_MS);
  const late = subjects.map(read);

  const bareWs = early[1]!.agent;
  const cells = (m: Mem, range: string, base: Mem) => `${mib(m.rss).toFixed(1)} MiB (${range}; ${m.rss >= base.rss ? "+" : ""}${mib(m.rss - base.rss).toFixed(1)}) | ${mib(m.private).toFixed(1)} MiB`;
  console.log(`\n${REPEAT} processes each, medians (RSS range; RSS over the bare WebSocket's median)\n`);
  console.log(`| idle process | RSS at ${IDLE_MS / 1000} s | private at ${IDLE_MS / 1000} s | RSS at ${LATE_MS / 1000} s | private at ${LATE_MS / 1000} s |\n|---|---|---|---|---|`);
  subjects.forEach((s, i) => {
    const [e, l] = [early[i]!, late[i]!];
    console.log(`| ${s.label} | ${cells(e.agent, e.range, bareWs)} | ${cells(l.agent, l.range, late[1]!.agent)} |`);
    if (e.keeper) console.log(`| its keeper (the PID \`anchorage run\` keeps) | ${cells(e.keeper, e.keeperRange, bareWs)} | ${cells(l.keeper!, l.keeperRange, late[1]!.agent)} |`);
  });
  const fig = (m: Mem) => ({ rss: +mib(m.rss).toFixed(1), private: +mib(m.private).toFixed(1) });
  const keys = ["baseline_bare_node", "baseline_bare_websocket", "source", "bundle", "bundle_supervised"];
  const entry = (i: number) => {
    const name = i < 2 ? keys[i]! : `${i >= 5 ? "compare_" : ""}${keys[2 + ((i - 2) % 3)]!}`;
    const at = (x: (typeof early)[number]) => ({ agent: fig(x.agent), ...(x.keeper ? { keeper: fig(x.keeper) } : {}) });
    return [name, { [`idle_${IDLE_MS / 1000}s`]: at(early[i]!), [`idle_${LATE_MS / 1000}s`]: at(late[i]!) }] as const;
  };
  console.log(JSON.stringify({ bench: "agent-memory", unit: "MiB", compare: values.compare ?? null, ...Object.fromEntries(subjects.map((_, i) => entry(i))) }));
}

try {
  await main();
} finally {
  for (const c of children.reverse()) {
    try {
      if (c.pid && c.exitCode === null) process.kill(-c.pid, "SIGTERM");
    } catch {
      /* already gone */
    }
  }
  await sleep(1000);
  rmSync(work, { recursive: true, force: true });
}
