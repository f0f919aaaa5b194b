/**
 * Benchmark (run by hand, not in CI): Anchorage's sync between two instances beside Debian's
 * `rsync -a`, local to local, on the same source tree: 10,000 small files and a few 50 MiB random
 * files. Its own stack (port 8799, temporary state), two real agents with their own homes and
 * roots. Scenarios: first sync, no change, 1% of the small files changed, a folder renamed, and
 * 1 MiB rewritten in the middle of a 50 MiB file.
 *
 *   npx tsx scripts/bench/sync-vs-rsync.ts [--files 10000] [--big 3] [--port 8799]
 *
 * Both delete what the source no longer has (`delete: true`, `rsync --delete`), so after each
 * scenario the destination is checked to be the source, file for file.
 * Anchorage's time runs from POST /api/cloud/sync/cross-instance to the operation's last
 * cloud:sync-activity event (compare, plan and transfer; no CLI start-up); its bytes are those
 * uploaded to R2 plus those sent to the destination. rsync's are its wall time and `--stats`'
 * "Total bytes sent" (file list included) and "Literal data". Local rsync copies whole files by
 * default, so a second destination is kept in step with `--no-whole-file` (the delta algorithm).
 * Needs rsync (`apt-get install rsync`).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { files: { type: "string", default: "10000" }, big: { type: "string", default: "3" }, port: { type: "string", default: "8799" } } });
const FILES = Number(values.files);
const BIG = Number(values.big);
const PORT = Number(values.port);
const MiB = 1024 * 1024;
const ROOT = new URL("../..", import.meta.url).pathname;
const NODE = join(ROOT, "node_modules/.bin/node");
const CLI = join(ROOT, "agent/bin/anchorage.mjs");
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = { email: "bench@anchorage.local", password: "bench admin password" };
const work = mkdtempSync(join(tmpdir(), "anchorage-sync-bench-"));
const rootA = join(work, "a");
const rootB = join(work, "b");
const src = join(rootA, "tree");
const dstAnchorage = join(rootB, "tree");
const dstWhole = join(work, "rsync-whole", "tree");
const dstDelta = join(work, "rsync-delta", "tree");
const children: ChildProcess[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DIRS = Math.max(1, Math.round(FILES / 100));

async function waitFor(check: () => Promise<boolean> | boolean, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await Promise.resolve().then(check).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Text of `n` bytes from a seed (small source-like files: letters, spaces, newlines). */
function text(n: number): string {
  return randomBytes(Math.ceil(n * 0.75)).toString("base64").slice(0, n).replace(/\//g, "\n").replace(/\+/g, " ");
}

/** The source: FILES small text files (200 B – 2 KiB) in DIRS folders, and BIG random 50 MiB files, all an hour old. */
function makeTree() {
  const hourAgo = new Date(Date.now() - 3600_000);
  for (let d = 0; d < DIRS; d++) {
    const dir = join(src, `dir-${String(d).padStart(3, "0")}`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < FILES / DIRS; f++) {
      const p = join(dir, `file-${String(f).padStart(3, "0")}.txt`);
      writeFileSync(p, text(200 + Math.floor(Math.random() * 1800)));
      utimesSync(p, hourAgo, hourAgo);
    }
  }
  mkdirSync(join(src, "big"), { recursive: true });
  for (let i = 0; i < BIG; i++) {
    const p = join(src, "big", `blob-${i}.bin`);
    writeFileSync(p, randomBytes(50 * MiB));
    utimesSync(p, hourAgo, hourAgo);
  }
}

/** path → SHA-256 of every file under `dir` (the backup folder left out). */
function digest(dir: string, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (rel === ".anchorage-backups") continue;
    if (e.isDirectory()) for (const [k, v] of digest(dir, rel)) out.set(k, v);
    else out.set(rel, createHash("sha256").update(readFileSync(join(dir, rel))).digest("hex"));
  }
  return out;
}

function sameTree(a: string, b: string): boolean {
  const x = digest(a);
  const y = digest(b);
  return x.size === y.size && [...x].every(([k, v]) => y.get(k) === v);
}

function rsync(dst: string, extra: string[]) {
  mkdirSync(dst, { recursive: true });
  const t = performance.now();
  const r = spawnSync("rsync", ["-a", "--delete", ...extra, "--stats", `${src}/`, `${dst}/`], { encoding: "utf8" });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`rsync failed: ${r.stderr}`);
  const num = (label: string) => Number(new RegExp(`${label}: ([\\d,]+)`).exec(r.stdout)?.[1]?.replace(/,/g, "") ?? NaN);
  return { ms, sent: num("Total bytes sent"), literal: num("Literal data") };
}

type Op = { state: string; files: { total: number; done: number }; bytes: { total: number; uploaded: number; downloaded: number }; error?: string };

async function main() {
  if (spawnSync("rsync", ["--version"]).status !== 0) throw new Error("rsync is not installed (apt-get install rsync)");
  console.log(`▸ making the tree: ${FILES} small files in ${DIRS} folders, ${BIG} × 50 MiB`);
  makeTree();
  console.log(`▸ starting the stack on ${BASE}`);
  const stack = spawn("npm", ["start"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(PORT), ANCHORAGE_STATE_DIR: join(work, "state"), ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  stack.stdout!.on("data", (d) => (log = (log + d).slice(-4000)));
  stack.stderr!.on("data", (d) => (log = (log + d).slice(-4000)));
  children.push(stack);
  await waitFor(async () => (await fetch(`${BASE}/healthz`)).ok, 240_000, "the stack").catch((e: Error) => {
    throw new Error(`${e.message}:\n${log}`);
  });
  const login = await fetch(`${BASE}/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ADMIN) });
  const session = ((await login.json()) as { tokens: { access_token: string }; user: { id: string } });
  const me = ((await (await fetch(`${BASE}/auth/user`, { headers: { authorization: `Bearer ${session.tokens.access_token}` } })).json()) as { id?: string; user?: { id: string } });
  const userId = me.id ?? me.user!.id;
  const made = await fetch(`${BASE}/api/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${session.tokens.access_token}` },
    body: JSON.stringify({ name: "sync bench", scopes: [{ scope: `cloud.${userId}.instances`, actions: ["read", "sync", "anchor"] }] }),
  });
  const token = ((await made.json()) as { token: string }).token;
  if (!token) throw new Error(`no API token: ${made.status}`);
  const auth = { authorization: `Bearer ${token}` };

  const ids: string[] = [];
  for (const [name, root] of [["bench-a", rootA], ["bench-b", rootB]] as const) {
    mkdirSync(root, { recursive: true });
    const home = join(work, `home-${name}`);
    const anchor = spawnSync(NODE, [CLI, "anchor", BASE, "--home", home, "--token", token, "--name", name], { encoding: "utf8" });
    if (anchor.status !== 0) throw new Error(anchor.stderr + anchor.stdout);
    ids.push(/as (ins_\S+)/.exec(anchor.stdout)![1]!);
    writeFileSync(join(home, "config.yaml"), `name: ${name}\nroots: [${JSON.stringify(root)}]\n`);
    children.push(spawn(NODE, [CLI, "run", "--home", home], { stdio: "ignore", detached: true }));
  }
  for (const id of ids) {
    await waitFor(async () => ((await (await fetch(`${BASE}/api/cloud/instance/${id}`, { headers: auth })).json()) as { status: string }).status === "online", 30_000, `${id} online`);
  }

  // The event socket, opened once: each sync ends with its last cloud:sync-activity.
  // A sync with nothing to send ends before its start is answered: its last event may come first.
  const ended = new Map<string, (op: Op) => void>();
  const endedEarly = new Map<string, Op>();
  const events = new WebSocket(`ws://127.0.0.1:${PORT}/api/events`, { headers: auth } as unknown as string[]);
  events.addEventListener("message", (m) => {
    const e = JSON.parse(String(m.data));
    if (e.type !== "cloud:sync-activity" || e.state === "running") return;
    const waiting = ended.get(e.operationId);
    if (waiting) waiting(e);
    else endedEarly.set(e.operationId, e);
  });
  await new Promise((r) => events.addEventListener("open", r, { once: true }));

  async function anchorage(): Promise<{ ms: number; op: Op }> {
    const t = performance.now();
    const res = await fetch(`${BASE}/api/cloud/sync/cross-instance`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ sourceInstanceId: ids[0], destinationInstanceId: ids[1], sourcePath: src, targetPath: dstAnchorage, options: { exclude: [], delete: true } }),
    });
    const started = (await res.json()) as { operationId?: string; error?: { message: string } };
    if (!started.operationId) throw new Error(`sync refused: ${JSON.stringify(started)}`);
    const op = await new Promise<Op>((resolve, reject) => {
      const early = endedEarly.get(started.operationId!);
      if (early) return resolve(early);
      ended.set(started.operationId!, resolve);
      setTimeout(() => reject(new Error("sync did not end within 30 minutes")), 30 * 60_000).unref();
    });
    const ms = performance.now() - t;
    if (op.state !== "done") throw new Error(`sync ${op.state}: ${op.error}`);
    return { ms, op };
  }

  type Row = { name: string; a: { ms: number; op: Op }; whole: ReturnType<typeof rsync>; delta: ReturnType<typeof rsync> };
  const rows: Row[] = [];
  async function scenario(name: string, change: () => void) {
    change();
    console.log(`▸ ${name}`);
    const a = await anchorage();
    const whole = rsync(dstWhole, []);
    const delta = rsync(dstDelta, ["--no-whole-file"]);
    if (!sameTree(src, dstAnchorage)) throw new Error(`after "${name}" the destination is not the source`);
    rows.push({ name, a, whole, delta });
    console.log(`  Anchorage ${a.ms.toFixed(0)} ms (${a.op.files.done} files, up ${a.op.bytes.uploaded} B, down ${a.op.bytes.downloaded} B); rsync -a ${whole.ms.toFixed(0)} ms (${whole.sent} B); rsync --no-whole-file ${delta.ms.toFixed(0)} ms (${delta.sent} B)`);
  }

  await scenario("first sync", () => {});
  // The first sync after the first: the destination's agent hashes the files it has just written once.
  await scenario("no change (first re-sync)", () => {});
  await scenario("no change (again)", () => {});
  await scenario("1% of the small files changed", () => {
    for (let i = 0; i < FILES / 100; i++) {
      const d = i % DIRS;
      const f = Math.floor(i / DIRS) % (FILES / DIRS);
      writeFileSync(join(src, `dir-${String(d).padStart(3, "0")}`, `file-${String(f).padStart(3, "0")}.txt`), text(200 + Math.floor(Math.random() * 1800)));
    }
  });
  await scenario("a folder of 100 files renamed", () => renameSync(join(src, "dir-000"), join(src, "dir-000-renamed")));
  if (BIG > 0) await scenario("1 MiB rewritten in the middle of a 50 MiB file", () => {
    const fd = openSync(join(src, "big", "blob-0.bin"), "r+");
    writeSync(fd, randomBytes(MiB), 0, MiB, 25 * MiB);
    closeSync(fd);
  });

  // Where a no-change sync's time goes: one side's scan through the whole stack, the compare of
  // both (two scans at once), and the sync (compare, plan, nothing to send); medians of 5.
  const median = async (run: () => Promise<unknown>) => {
    const ms: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await run();
      ms.push(performance.now() - t);
    }
    return ms.sort((x, y) => x - y)[2]!;
  };
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${BASE}${path}`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const pair = { sourceInstanceId: ids[0], destinationInstanceId: ids[1], sourcePath: src, targetPath: dstAnchorage };
  const health = await median(() => fetch(`${BASE}/healthz`).then((r) => r.text()));
  const scanMs = await median(() => post(`/api/cloud/instance/${ids[0]}/scan`, { path: src }));
  const compareMs = await median(() => post("/api/cloud/sync/compare-cross-instance", pair));
  const syncMs = await median(() => anchorage());
  const rsyncMs = [0, 1, 2, 3, 4].map(() => rsync(dstWhole, []).ms).sort((x, y) => x - y)[2]!;

  const f = (n: number, d = 2) => n.toFixed(d);
  const kb = (n: number) => (n >= MiB ? `${f(n / MiB, 1)} MiB` : `${f(n / 1024, 1)} KiB`);
  console.log(`\n${FILES} small files + ${BIG} × 50 MiB; Anchorage bytes = uploaded to R2 + sent to the destination; rsync bytes = "Total bytes sent" (literal data in brackets)\n`);
  console.log("| scenario | Anchorage | rsync -a | rsync -a --no-whole-file | time ratio (Anchorage / rsync -a) | bytes ratio (Anchorage / rsync --no-whole-file) |\n|---|---|---|---|---|---|");
  for (const r of rows) {
    const moved = r.a.op.bytes.uploaded + r.a.op.bytes.downloaded;
    console.log(
      `| ${r.name} | ${f(r.a.ms / 1000)} s, ${kb(moved)} (up ${kb(r.a.op.bytes.uploaded)}, down ${kb(r.a.op.bytes.downloaded)}) | ${f(r.whole.ms / 1000)} s, ${kb(r.whole.sent)} (${kb(r.whole.literal)}) | ${f(r.delta.ms / 1000)} s, ${kb(r.delta.sent)} (${kb(r.delta.literal)}) | ${f(r.a.ms / r.whole.ms, 1)}× | ${f(moved / r.delta.sent, 2)}× |`,
    );
  }
  console.log(`\nno change, medians of 5: GET /healthz ${f(health, 1)} ms; one scan through the stack ${f(scanMs, 0)} ms; compare (both scans) ${f(compareMs, 0)} ms; sync ${f(syncMs, 0)} ms; rsync -a ${f(rsyncMs, 0)} ms (${f(syncMs / rsyncMs, 1)}×)`);
  const head = spawnSync("git", ["-C", ROOT, "log", "-1", "--format=%h %s"], { encoding: "utf8" }).stdout.trim();
  const dirty = spawnSync("git", ["-C", ROOT, "status", "--porcelain", "--untracked-files=no"], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean).length;
  console.log(`\nmeasured at ${head.slice(0, 100) || "(not a git checkout)"}${dirty ? ` (plus ${dirty} files changed in the working tree)` : ""}`);
  events.close();
}

function stopChildren() {
  for (const ch of children) {
    try {
      if (ch.pid) process.kill(-ch.pid, "SIGTERM");
    } catch {
      ch.kill("SIGTERM");
    }
  }
}
// Stopped by hand or by a timeout: the stack and the agents (their own process groups) go too.
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    stopChildren();
    rmSync(work, { recursive: true, force: true });
    process.exit(130);
  });
}

try {
  await main();
} finally {
  stopChildren();
  await sleep(500);
  rmSync(work, { recursive: true, force: true });
}
