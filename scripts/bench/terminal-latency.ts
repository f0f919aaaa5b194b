/**
 * Benchmark (run by hand, not in CI): the browser terminal against ssh to the same machine.
 * Keystroke echo round trips (the tty's line discipline echoes each byte under `cat`), the
 * throughput of `cat` of a large text file, and the echo in terminal B while terminal A is
 * busy with that `cat`. Anchorage is driven from a Node WebSocket client, ssh from `ssh -tt`
 * over pipes, so no terminal emulator and no rendering is counted on either side.
 *
 *   npx tsx scripts/bench/terminal-latency.ts [--keys 1000] [--busy-keys 200] [--mb 100] [--unrecorded] [--no-ack]
 *
 * `--unrecorded` turns the instance's session recording (asciicast to R2) off, to see its cost;
 * `--no-ack` opens terminals without `ack=1` (credit then returns as soon as the DO hands bytes on).
 *
 * Every `cat` is checked byte for byte: what arrives between two markers the shell prints is hashed
 * (SHA-256) against the file as a tty sends it (each \n as \r\n), on both paths. The last line
 * printed is one JSON object of the figures, the ssh baseline's and the ratios beside them.
 *
 * Needs Debian's openssh-server and openssh-client for the baseline (`apt-get install
 * openssh-server openssh-client`); without them the ssh columns are skipped. A private sshd
 * runs on 127.0.0.1:<port+1> with its own config and keys, as root.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import WebSocket, { WebSocketServer } from "ws";

const { values } = parseArgs({ options: { keys: { type: "string", default: "1000" }, "busy-keys": { type: "string", default: "200" }, mb: { type: "string", default: "100" }, port: { type: "string", default: "8797" }, unrecorded: { type: "boolean", default: false }, "no-ack": { type: "boolean", default: false } } });
const KEYS = Number(values.keys);
const BUSY_KEYS = Number(values["busy-keys"]);
const MB = Number(values.mb);
const PORT = Number(values.port);
const SSH_PORT = PORT + 1;
const WARMUP = 50;
const PACE_MS = 20;
const ROOT = new URL("../..", import.meta.url).pathname;
const NODE = join(ROOT, "node_modules/.bin/node");
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = { email: "bench@anchorage.local", password: "bench admin password" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Resident memory in KiB, from /proc (not `ps`: spawning one every 200 ms would block the loop that times the keys). */
const rssKb = (pids: number[]) =>
  pids.reduce((n, pid) => {
    try {
      return n + Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      return n;
    }
  }, 0);
/** Processes named `name` among `root`'s descendants: this run's workerd, not another stack's (wrangler runs in a process group of its own). */
function descendantsNamed(name: string, root: number): number[] {
  const children = new Map<number, number[]>();
  const names = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      names.set(Number(entry), stat.slice(stat.indexOf("(") + 1, close));
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* gone meanwhile */
    }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      if (names.get(c) === name) found.push(c);
      walk(c);
    }
  };
  walk(root);
  return found;
}
/** User + system CPU seconds so far (fields 14 and 15 of /proc/<pid>/stat, in clock ticks of 1/100 s). */
const cpuSeconds = (pids: number[]) => pids.reduce((n, pid) => n + readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ").slice(11, 13).reduce((a, b) => a + Number(b), 0) / 100, 0);
const sshClients: ChildProcess[] = [];

/** How to reach a shell: an Anchorage terminal socket, or ssh to the private sshd. */
type Target = { kind: "anchorage"; url: string; token: string } | { kind: "ssh"; key: string };

/**
 * A shell's byte stream: `until` resolves with the moment (performance.now) its output matched;
 * `tap` sees every byte as it comes.
 */
type Term = { send(s: string): void; until(match: (tail: string) => boolean, ms?: number): Promise<number>; tap(on: (b: Buffer) => void): void; close(): void };

type Subscribe = (on: (b: Buffer) => void, end: (why: string) => void) => void;

function term(write: (b: Buffer) => void, subscribe: Subscribe, close: () => void): Term {
  let tail = "";
  let received = 0;
  let ended = "";
  let waiter: { match: (tail: string) => boolean; done: (t: number) => void; fail: (why: string) => void } | null = null;
  const taps: ((b: Buffer) => void)[] = [];
  const why = (ms: number) => `terminal output never matched in ${ms} ms (${received} bytes in all${ended && `, then ${ended}`}); it ended with ${JSON.stringify(tail.slice(-300))}`;
  subscribe(
    (b) => {
      // Only the last few KiB are kept: a 100 MB `cat` must not be held as one string.
      received += b.length;
      for (const t of taps) t(b);
      tail = (tail + b.subarray(-8192).toString("latin1")).slice(-8192);
      if (waiter?.match(tail)) {
        const w = waiter;
        waiter = null;
        w.done(performance.now());
      }
    },
    (reason) => ((ended = reason), waiter?.fail(reason)),
  );
  return {
    send: (s) => write(Buffer.from(s)),
    tap: (on) => void taps.push(on),
    close,
    until(match, ms = 30_000) {
      tail = "";
      return new Promise((resolve, reject) => {
        const started = performance.now();
        const fail = () => (clearTimeout(timer), (waiter = null), reject(new Error(why(Math.round(performance.now() - started)))));
        const timer = setTimeout(fail, ms);
        waiter = { match, done: (t) => (clearTimeout(timer), resolve(t)), fail };
        if (ended) fail();
      });
    },
  };
}

async function open(target: Target): Promise<Term> {
  if (target.kind === "ssh") {
    const args = ["-tt", "-p", String(SSH_PORT), "-i", target.key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "root@127.0.0.1"];
    const ssh = spawn("ssh", args, { stdio: ["pipe", "pipe", "pipe"] });
    sshClients.push(ssh);
    // stderr joins the stream, so a refused login shows in the "never matched" error.
    const subscribe: Subscribe = (on, end) => (ssh.stdout.on("data", on), ssh.stderr.on("data", on), ssh.on("exit", (code) => end(`ssh exited ${code}`)));
    return term((b) => ssh.stdin.write(b), subscribe, () => ssh.kill("SIGKILL"));
  }
  const ws = new WebSocket(target.url, { headers: { authorization: `Bearer ${target.token}` } });
  // With ack=1 in the URL, say what has been taken in every 16 KiB (as the dashboard does).
  let position = 0;
  let acked = 0;
  ws.on("message", (d, binary) => {
    if (!binary) {
      const m = JSON.parse(String(d));
      if (m.type === "session") position = acked = m.offset;
      return;
    }
    position += (d as Buffer).length;
    if (position - acked >= 16 * 1024) {
      acked = position;
      ws.send(JSON.stringify({ type: "ack", offset: position }));
    }
  });
  const subscribe: Subscribe = (on, end) => (ws.on("message", (d, binary) => binary && on(d as Buffer)), ws.on("close", (code, reason) => end(`socket closed ${code} ${reason}`)));
  const t = term((b) => ws.send(b, { binary: true }), subscribe, () => ws.close());
  await new Promise<void>((resolve, reject) => {
    ws.on("message", (d, binary) => !binary && JSON.parse(String(d)).type === "session" && resolve());
    ws.once("unexpected-response", (_req, res) => reject(new Error(`terminal upgrade refused: ${res.statusCode}`)));
    ws.once("error", reject);
  });
  return t;
}

/** Resolves with the round trip, in ms, from sending `input` until the output matches. */
async function roundTrip(t: Term, input: string, match: (tail: string) => boolean, ms?: number) {
  const answered = t.until(match, ms);
  const t0 = performance.now();
  t.send(input);
  return (await answered) - t0;
}

/** Waits for the shell to answer at all; `$((40+2))` keeps the echoed command from matching. */
const shellReady = (t: Term) => roundTrip(t, "echo READY$((40+2))\r", (s) => s.includes("READY42"));

/** Leaves `cat` reading the terminal, so the line discipline echoes each key and nothing else does. */
async function startCat(t: Term) {
  await shellReady(t);
  await roundTrip(t, "cat\r", (s) => s.includes("cat\r\n"));
  await sleep(300); // bash hands the terminal back in canonical mode once cat runs
  await roundTrip(t, "x\r", (s) => (s.match(/x\r\n/g)?.length ?? 0) >= 2); // the echo, then cat's copy
}

/** One key at a time, each waited for; a line every 64 keys (a canonical line holds 4095). */
async function echoLatencies(t: Term, n: number) {
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 64 === 63) await roundTrip(t, "\r", (s) => (s.match(/\n/g)?.length ?? 0) >= 2);
    lat.push(await roundTrip(t, "a", (s) => s.includes("a")));
  }
  return lat;
}

/**
 * Keys typed at a steady pace, the way a person types on without waiting for each echo; the
 * k-th echoed byte is the k-th key's (the matcher runs on each arriving chunk, so it times them).
 */
async function pacedEchoLatencies(t: Term, n: number, everyMs: number) {
  const sentAt: number[] = [];
  const lat: number[] = [];
  const echoed = t.until((s) => {
    const k = Math.min(s.split("a").length - 1, sentAt.length);
    while (lat.length < k) lat.push(performance.now() - sentAt[lat.length]!);
    return lat.length >= n;
  }, 600_000);
  for (let i = 0; i < n; i++) {
    sentAt.push(performance.now());
    t.send("a");
    await sleep(everyMs);
  }
  await echoed;
  await roundTrip(t, "\r", (s) => (s.match(/\n/g)?.length ?? 0) >= 2);
  return lat;
}

const START = Buffer.from("__START2__\r\n");
const DONE = Buffer.from("__DONE2__");

/**
 * Hashes what a terminal prints between the START and DONE lines (the shell prints them; the
 * typed command shows `$((1+1))`, so its echo never matches), holding back a marker's length
 * until it knows the bytes are not the start of DONE.
 */
function betweenMarkers() {
  const hash = createHash("sha256");
  let state: "before" | "inside" | "after" = "before";
  let held = Buffer.alloc(0);
  let bytes = 0;
  return {
    feed(b: Buffer) {
      if (state === "after") return;
      let data = held.length ? Buffer.concat([held, b]) : b;
      if (state === "before") {
        const at = data.indexOf(START);
        if (at < 0) return void (held = Buffer.from(data.subarray(-START.length)));
        state = "inside";
        data = data.subarray(at + START.length);
      }
      const end = data.indexOf(DONE);
      if (end >= 0) {
        hash.update(data.subarray(0, end));
        bytes += end;
        state = "after";
        return;
      }
      const keep = Math.min(DONE.length - 1, data.length);
      hash.update(data.subarray(0, data.length - keep));
      bytes += data.length - keep;
      held = Buffer.from(data.subarray(data.length - keep));
    },
    result: () => ({ sha256: state === "after" ? hash.digest("hex") : "markers not seen", bytes }),
  };
}

/** What a tty shows of `repeat` cats of `file`: its bytes with each \n as \r\n (onlcr), and their hash. */
function expectedCat(file: string, repeat: number) {
  const crlf = Buffer.from(readFileSync(file, "latin1").replaceAll("\n", "\r\n"), "latin1");
  const hash = createHash("sha256");
  for (let i = 0; i < repeat; i++) hash.update(crlf);
  return { sha256: hash.digest("hex"), bytes: crlf.length * repeat };
}

/** The worker side: open terminal A, `cat` the file `repeat` times, report when it starts, how long it took and the hash of what came. */
async function floodWorker({ target, file, repeat }: { target: Target; file: string; repeat: number }) {
  const t = await open(target);
  const check = betweenMarkers();
  t.tap((b) => check.feed(b));
  try {
    await shellReady(t);
    parentPort!.postMessage({ started: true });
    const ms = await roundTrip(t, `echo __START$((1+1))__; for i in $(seq ${repeat}); do cat ${file}; done; echo __DONE$((1+1))__\r`, (s) => s.includes("__DONE2__"), 600_000);
    t.close(); // before the answer: the main thread terminates this worker as soon as it has it
    parentPort!.postMessage({ seconds: ms / 1000, received: check.result() });
  } finally {
    t.close();
  }
}

/**
 * Terminal A's `cat` runs in a worker thread, so reading 100 MB off its socket does not sit in
 * the event loop that times terminal B's keys (two browser tabs do not share one either).
 */
function flood(target: Target, file: string, repeat = 1, onStart: () => void = () => {}) {
  // argv: the worker parses the same options (the ssh port among them).
  const worker = new Worker(new URL(import.meta.url), { workerData: { target, file, repeat }, argv: process.argv.slice(2) });
  const expected = expectedCat(file, repeat);
  return new Promise<number>((resolve, reject) => {
    worker.on("message", (m) => {
      if (m.started) return onStart();
      // Every byte of every cat, in order, or the run is worth nothing.
      if (m.received.sha256 !== expected.sha256) {
        return reject(new Error(`${target.kind}: the cat's output differs from the file (${m.received.bytes} bytes, SHA-256 ${m.received.sha256}; expected ${expected.bytes} bytes, ${expected.sha256})`));
      }
      resolve(m.seconds);
    });
    worker.on("error", reject);
    worker.on("exit", (code) => code !== 0 && reject(new Error(`flood worker exited with ${code}`)));
  }).finally(() => worker.terminate());
}

/** Idle echo, `cat` throughput, and echo in B while A runs `cat`, for one way to the shell. */
async function measure(name: string, target: Target, file: string, watch: number[][]) {
  console.log(`▸ ${name}: ${KEYS} keystrokes (after ${WARMUP} warm-up)`);
  const b = await open(target);
  await startCat(b);
  await echoLatencies(b, WARMUP);
  const idle = await echoLatencies(b, KEYS);
  console.log(`▸ ${name}: cat of ${MB} MB`);
  const peaks = watch.map(() => 0);
  const cpu0 = watch.map(cpuSeconds);
  const timer = setInterval(() => watch.forEach((pids, i) => (peaks[i] = Math.max(peaks[i]!, rssKb(pids)))), 200);
  const seconds = await flood(target, file).finally(() => clearInterval(timer));
  const cpu = watch.map((pids, i) => cpuSeconds(pids) - cpu0[i]!);
  // A cats the file as many times as it takes to outlast the typing in B, and a second more.
  const repeat = Math.ceil(((BUSY_KEYS * PACE_MS) / 1000 + 1) / seconds);
  console.log(`▸ ${name}: ${BUSY_KEYS} keystrokes, one per ${PACE_MS} ms, in terminal B while terminal A runs cat ×${repeat}`);
  let started!: () => void;
  const begun = new Promise<void>((r) => (started = r));
  let floodDone = false;
  const flooding = flood(target, file, repeat, started).then(() => (floodDone = true));
  await begun;
  await sleep(300); // let the cat get going
  const busy = await pacedEchoLatencies(b, BUSY_KEYS, PACE_MS);
  const echoedWhileBusy = !floodDone;
  await flooding;
  b.close();
  return { idle, mbps: MB / seconds, seconds, busy, echoedWhileBusy, peaksMb: peaks.map((k) => k / 1024), cpu };
}

/** The floor of one WebSocket hop: a byte echoed by a bare Node server on loopback, no pty. */
async function rawWebSocketEcho(n: number) {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  server.on("connection", (ws) => ws.on("message", (d) => ws.send(d as Buffer, { binary: true })));
  await new Promise((r) => server.once("listening", r));
  const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as { port: number }).port}`);
  await new Promise((r) => ws.once("open", r));
  const t = term((b) => ws.send(b, { binary: true }), (on) => ws.on("message", (d) => on(d as Buffer)), () => ws.close());
  const lat: number[] = [];
  for (let i = 0; i < WARMUP + n; i++) lat.push(await roundTrip(t, "a", (s) => s.includes("a")));
  t.close();
  server.close();
  return lat.slice(WARMUP);
}

/** A private sshd on loopback: its own host key, an authorized key made here, root allowed. */
function startSshd(work: string, children: ChildProcess[]): string | null {
  if (!existsSync("/usr/sbin/sshd") || spawnSync("ssh", ["-V"]).status !== 0) {
    console.log("▸ ssh baseline skipped: no /usr/sbin/sshd or ssh (apt-get install -y openssh-server openssh-client)");
    return null;
  }
  mkdirSync("/run/sshd", { recursive: true }); // sshd's privilege-separation directory
  const dir = join(work, "ssh");
  mkdirSync(dir);
  for (const k of ["host", "client"]) spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, k)]);
  const conf = join(dir, "sshd_config");
  writeFileSync(
    conf,
    `ListenAddress 127.0.0.1\nPort ${SSH_PORT}\nHostKey ${dir}/host\nAuthorizedKeysFile ${dir}/client.pub\nPidFile ${dir}/sshd.pid\n` +
      `PermitRootLogin yes\nPasswordAuthentication no\nUsePAM no\nStrictModes no\nPrintMotd no\nPrintLastLog no\n`,
  );
  children.push(spawn("/usr/sbin/sshd", ["-D", "-e", "-f", conf], { stdio: "ignore", detached: true }));
  return join(dir, "client");
}

/** Printable text lines, `mb` MiB of them. */
function writeTextFile(path: string, mb: number) {
  const line = "the quick brown fox jumps over the lazy dog 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXY\n"; // 80 bytes
  const chunk = Buffer.from(line.repeat((1024 * 1024) / line.length) + line.slice(0, (1024 * 1024) % line.length - 1) + "\n");
  const fd = openSync(path, "w");
  for (let i = 0; i < mb; i++) writeSync(fd, chunk);
  closeSync(fd);
}

async function main(work: string, children: ChildProcess[]) {
  const file = join(work, "big.txt");
  writeTextFile(file, MB);
  const sshKey = startSshd(work, children);
  console.log(`▸ starting the stack on ${BASE}`);
  const stackLog = openSync(join(work, "stack.log"), "w");
  const stack = spawn("npm", ["start"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(PORT), ANCHORAGE_STATE_DIR: join(work, "state"), ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, SKIP_FRONTEND_BUILD: "1" },
    stdio: ["ignore", stackLog, stackLog],
    detached: true,
  });
  children.push(stack);
  const deadline = Date.now() + 120_000;
  while (!(await fetch(`${BASE}/healthz`).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the stack");
    await sleep(200);
  }
  const login = await fetch(`${BASE}/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ADMIN) });
  if (!login.ok) throw new Error(`sign-in failed: ${login.status} ${await login.text()}`);
  const token = ((await login.json()) as { tokens: { access_token: string } }).tokens.access_token;
  const home = join(work, "agent");
  const anchor = spawnSync(NODE, [join(ROOT, "agent/bin/anchorage.mjs"), "anchor", BASE, "--home", home, "--token", token, "--name", "bench"], { encoding: "utf8" });
  if (anchor.status !== 0) throw new Error(anchor.stderr + anchor.stdout);
  const id = /as (ins_\S+)/.exec(anchor.stdout + anchor.stderr)?.[1];
  if (!id) throw new Error(`no instance id in: ${anchor.stdout}`);
  writeFileSync(join(home, "config.yaml"), `name: bench\nterminal: { shell: /bin/bash, record: ${!values.unrecorded} }\n`);
  const log = openSync(join(work, "agent.log"), "w");
  // --supervised: the agent itself, not a keeper with the agent as its child, so its PID is the one to watch.
  const agent = spawn(NODE, [join(ROOT, "agent/bin/anchorage.mjs"), "run", "--home", home, "--supervised"], { stdio: ["ignore", log, log], detached: true });
  children.push(agent);
  for (;;) {
    const r = await fetch(`${BASE}/api/cloud/instance/${id}`, { headers: { authorization: `Bearer ${token}` } });
    if (r.ok && ((await r.json()) as { status: string }).status === "online") break;
    if (Date.now() > deadline + 30_000) throw new Error("the agent never came online");
    await sleep(200);
  }

  const url = `${BASE.replace("http", "ws")}/api/cloud/instance/${id}/terminal?cols=80&rows=24${values["no-ack"] ? "" : "&ack=1"}`;
  const a = await measure("Anchorage", { kind: "anchorage", url, token }, file, [[agent.pid!], descendantsNamed("workerd", stack.pid!)]);
  const s = sshKey ? await measure("ssh", { kind: "ssh", key: sshKey }, file, []) : null;
  console.log(`▸ floor: ${KEYS} bytes echoed by a bare Node WebSocket server`);
  const floor = await rawWebSocketEcho(KEYS);

  const f = (n: number, d = 2) => n.toFixed(d);
  const rows: [string, (r: typeof a) => number, number][] = [
    [`echo p50, ms (${KEYS} keys, idle)`, (r) => pct(r.idle, 50), 3],
    ["echo p99, ms (idle)", (r) => pct(r.idle, 99), 3],
    ["echo mean, ms (idle)", (r) => mean(r.idle), 3],
    [`cat of ${MB} MB, MB/s`, (r) => r.mbps, 1],
    [`echo p50, ms (terminal B, ${BUSY_KEYS} keys, A busy with cat)`, (r) => pct(r.busy, 50), 3],
    ["echo p99, ms (terminal B, A busy with cat)", (r) => pct(r.busy, 99), 3],
  ];
  console.log(`\n| measure | Anchorage | ssh (loopback) | Anchorage/ssh |\n|---|---|---|---|`);
  for (const [k, get, d] of rows) console.log(`| ${k} | ${f(get(a), d)} | ${s ? f(get(s), d) : "—"} | ${s ? `${f(get(a) / get(s))}×` : "—"} |`);
  console.log(`| all ${BUSY_KEYS} keys echoed before A's cat ended | ${a.echoedWhileBusy ? "yes" : "no"} | ${s ? (s.echoedWhileBusy ? "yes" : "no") : "—"} | |`);
  const gap = s ? pct(a.idle, 50) - pct(s.idle, 50) : NaN;
  const delay = pct(a.busy, 50) - pct(a.idle, 50);
  const catRatio = s ? a.mbps / s.mbps : NaN;
  console.log(`\nevery cat's output checked against the file (SHA-256), on both paths: yes`);
  console.log(`goal: cat of ${MB} MB at least 0.5× ssh: ${s ? `${catRatio >= 0.5 ? "MET" : "NOT MET"} (${f(catRatio)}×)` : "not measured (no ssh)"}`);
  console.log(`goal: terminal B's echo p50 within 2 ms of idle while A floods: ${delay <= 2 ? "MET" : "NOT MET"} (p50 ${f(delay, 3)} ms, p99 ${f(pct(a.busy, 99) - pct(a.idle, 99), 3)} ms over idle)`);
  console.log(`earlier goal: p50 echo within 1 ms of ssh: ${s ? `${gap <= 1 ? "MET" : "NOT MET"} (Anchorage − ssh = ${f(gap, 3)} ms)` : "not measured (no ssh)"}`);
  console.log(`floor of one WebSocket hop (bare Node echo server, same client): p50 ${f(pct(floor, 50), 3)} ms, p99 ${f(pct(floor, 99), 3)} ms`);
  console.log(`during the Anchorage cat of ${MB} MB (${f(a.seconds, 1)} s, recording ${values.unrecorded ? "off" : "on"}): agent ${f(a.cpu[0]!, 1)} CPU s, peak ${f(a.peaksMb[0]!, 0)} MiB RSS; workerd ${f(a.cpu[1]!, 1)} CPU s, peak ${f(a.peaksMb[1]!, 0)} MiB RSS`);
  const r3 = (n: number) => (Number.isFinite(n) ? Math.round(n * 1000) / 1000 : null);
  const figures = (r: typeof a) => ({
    echo_p50_idle_ms: r3(pct(r.idle, 50)),
    echo_p99_idle_ms: r3(pct(r.idle, 99)),
    cat_mbps: r3(r.mbps),
    cat_seconds: r3(r.seconds),
    busy_echo_p50_ms: r3(pct(r.busy, 50)),
    busy_echo_p99_ms: r3(pct(r.busy, 99)),
    echoed_while_busy: r.echoedWhileBusy,
  });
  console.log(
    JSON.stringify({
      bench: "terminal",
      mb: MB,
      recording: !values.unrecorded,
      ack: !values["no-ack"],
      load_average: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number),
      anchorage: figures(a),
      ssh: s ? figures(s) : null,
      ratios: { cat_vs_ssh: r3(catRatio), echo_p50_minus_ssh_ms: r3(gap), busy_minus_idle_echo_p50_ms: r3(delay) },
      anchorage_cpu_s: { agent: r3(a.cpu[0]!), workerd: r3(a.cpu[1]!) },
      anchorage_peak_rss_mb: { agent: r3(a.peaksMb[0]!), workerd: r3(a.peaksMb[1]!) },
      websocket_floor_echo_p50_ms: r3(pct(floor, 50)),
      sha256_checked: true,
    }),
  );
}

if (!isMainThread) {
  await floodWorker(workerData);
} else {
  const work = mkdtempSync(join(tmpdir(), "anchorage-tty-bench-"));
  const children: ChildProcess[] = [];
  let failed = true;
  try {
    await main(work, children);
    failed = false;
  } finally {
    for (const ssh of sshClients) ssh.kill("SIGKILL");
    for (const ch of children) {
      try {
        if (ch.pid) process.kill(-ch.pid, "SIGTERM");
      } catch {
        ch.kill("SIGTERM");
      }
    }
    await sleep(500);
    if (failed) {
      rmSync(join(work, "big.txt"), { force: true });
      console.error(`the stack's and the agent's logs are kept: ${work}/stack.log, ${work}/agent.log`);
    } else rmSync(work, { recursive: true, force: true });
  }
}
