/**
 * Benchmark (run by hand, not in CI): TCP forwarding (`anchorage forward`) against `ssh -L` of the
 * same target, and the target reached directly, in one run. Each path carries (1) `--mb` MiB of
 * random bytes to an echo server and all of it back on one connection, checked by SHA-256, and
 * (2) `--pings` one-byte round trips on one connection, timed one at a time.
 *
 *   npx tsx scripts/bench/tcp-forward.ts [--mb 100] [--pings 1000] [--port 8797]
 *
 * Needs Debian's openssh-server and openssh-client for the baseline; without them the ssh column
 * is skipped. The last line printed is one JSON object of the figures and ratios.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sleep, waitFor } from "./bench-lib.ts";

const { values } = parseArgs({ options: { mb: { type: "string", default: "100" }, pings: { type: "string", default: "1000" }, port: { type: "string", default: "8797" } } });
const MB = Number(values.mb);
const PINGS = Number(values.pings);
const PORT = Number(values.port);
const SSH_PORT = PORT + 1;
const ROOT = new URL("../..", import.meta.url).pathname;
const NODE = join(ROOT, "node_modules/.bin/node");
const CLI = join(ROOT, "agent/bin/anchorage.mjs");
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = { email: "bench@anchorage.local", password: "bench admin password" };
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

const listen = (server: Server) => new Promise<number>((r) => server.listen(0, "127.0.0.1", () => r((server.address() as AddressInfo).port)));
const freePort = async () => {
  const s = createServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
};
const reachable = (port: number) => new Promise<boolean>((r) => {
  const s: Socket = connect(port, "127.0.0.1");
  s.once("connect", () => (s.destroy(), r(true))).once("error", () => r(false));
});

/** Sends `payload` and reads it all back through `port` (an echo behind it); MB/s of the payload, each way at once. */
function throughput(port: number, payload: Buffer): Promise<{ mbps: number; ok: boolean }> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: "127.0.0.1", allowHalfOpen: true, noDelay: true });
    const got: Buffer[] = [];
    let n = 0;
    let t0 = 0;
    s.on("connect", () => {
      t0 = performance.now();
      s.end(payload);
    });
    s.on("data", (d) => {
      got.push(d);
      n += d.length;
    });
    s.on("end", () => {
      const secs = (performance.now() - t0) / 1000;
      s.destroy();
      resolve({ mbps: n / 1e6 / secs, ok: n === payload.length && sha(Buffer.concat(got)) === sha(payload) });
    });
    s.on("error", reject);
  });
}

/** One-byte round trips on one connection, one at a time (ms each). */
async function pings(port: number, n: number): Promise<number[]> {
  const s = connect({ port, host: "127.0.0.1", noDelay: true });
  await new Promise((r) => s.once("connect", r));
  const out: number[] = [];
  for (let i = 0; i < n + 20; i++) {
    const t0 = performance.now();
    await new Promise<void>((r) => {
      s.once("data", () => r());
      s.write("x");
    });
    if (i >= 20) out.push(performance.now() - t0); // the first 20 warm up
  }
  s.destroy();
  return out;
}

function startSshd(work: string, children: ChildProcess[]): string | null {
  if (!existsSync("/usr/sbin/sshd") || spawnSync("ssh", ["-V"]).status !== 0) {
    console.log("▸ ssh baseline skipped: no /usr/sbin/sshd or ssh");
    return null;
  }
  mkdirSync("/run/sshd", { recursive: true });
  const dir = join(work, "ssh");
  mkdirSync(dir);
  for (const k of ["host", "client"]) spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, k)]);
  const conf = join(dir, "sshd_config");
  writeFileSync(conf, `ListenAddress 127.0.0.1\nPort ${SSH_PORT}\nHostKey ${dir}/host\nAuthorizedKeysFile ${dir}/client.pub\nPidFile ${dir}/sshd.pid\nPermitRootLogin yes\nPasswordAuthentication no\nUsePAM no\nStrictModes no\nAllowTcpForwarding yes\n`);
  children.push(spawn("/usr/sbin/sshd", ["-D", "-e", "-f", conf], { stdio: "ignore", detached: true }));
  return join(dir, "client");
}

async function main(work: string, children: ChildProcess[]) {
  const echo = createServer({ allowHalfOpen: true }, (s) => {
    s.setNoDelay(true);
    s.pipe(s);
  });
  const echoPort = await listen(echo);
  const sshKey = startSshd(work, children);
  console.log(`▸ starting the stack on ${BASE}`);
  const stackLog = openSync(join(work, "stack.log"), "w");
  children.push(spawn("npm", ["start"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(PORT), ANCHORAGE_STATE_DIR: join(work, "state"), ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, SKIP_FRONTEND_BUILD: "1" },
    stdio: ["ignore", stackLog, stackLog],
    detached: true,
  }));
  await waitFor(() => fetch(`${BASE}/healthz`).then((r) => r.ok, () => false), 120_000, "the stack");
  const login = await fetch(`${BASE}/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ADMIN) });
  const token = ((await login.json()) as { tokens: { access_token: string } }).tokens.access_token;
  const home = join(work, "agent");
  const anchor = spawnSync(NODE, [CLI, "anchor", BASE, "--home", home, "--token", token, "--name", "bench"], { encoding: "utf8" });
  const id = /as (ins_\S+)/.exec(anchor.stdout + anchor.stderr)?.[1];
  if (!id) throw new Error(`anchor failed: ${anchor.stdout}${anchor.stderr}`);
  writeFileSync(join(home, "config.yaml"), `name: bench\nforward: [{ name: echo, target: "127.0.0.1:${echoPort}" }]\n`);
  children.push(spawn(NODE, [CLI, "run", "--home", home, "--supervised"], { stdio: ["ignore", openSync(join(work, "agent.log"), "w"), "ignore"], detached: true }));
  await waitFor(async () => ((await (await fetch(`${BASE}/api/cloud/instance/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { status: string }).status === "online", 60_000, "the agent");

  const fwdPort = await freePort();
  const fwd = spawn(NODE, [CLI, "forward", id, "echo", "--port", String(fwdPort), "--url", BASE, "--token", token], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  children.push(fwd);
  await waitFor(() => reachable(fwdPort), 20_000, "anchorage forward");
  let sshPort = 0;
  if (sshKey) {
    sshPort = await freePort();
    children.push(spawn("ssh", ["-N", "-L", `127.0.0.1:${sshPort}:127.0.0.1:${echoPort}`, "-p", String(SSH_PORT), "-i", sshKey, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "root@127.0.0.1"], { stdio: "ignore", detached: true }));
    await waitFor(() => reachable(sshPort), 20_000, "ssh -L");
  }

  const payload = randomBytes(MB * 1024 * 1024);
  const paths = [["direct", echoPort], ["anchorage forward", fwdPort], ...(sshPort ? [["ssh -L", sshPort]] : [])] as [string, number][];
  const res: Record<string, { mbps: number; ok: boolean; p50: number; p99: number }> = {};
  for (const [name, port] of paths) {
    console.log(`▸ ${name}: ${MB} MiB echoed, then ${PINGS} one-byte round trips`);
    const t = await throughput(port, payload);
    const p = await pings(port, PINGS);
    res[name] = { ...t, p50: pct(p, 50), p99: pct(p, 99) };
  }
  const a = res["anchorage forward"]!;
  const s = res["ssh -L"];
  const d = res.direct!;
  console.log(`\n| path | MB/s (each way at once) | round trip p50, ms | p99, ms | bytes checked |\n|---|---|---|---|---|`);
  for (const [name] of paths) {
    const r = res[name]!;
    console.log(`| ${name} | ${r.mbps.toFixed(1)} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} | ${r.ok ? "yes" : "NO"} |`);
  }
  if (s) console.log(`\nanchorage forward / ssh -L: throughput ${(a.mbps / s.mbps).toFixed(2)}×, round trip p50 ${(a.p50 / s.p50).toFixed(2)}× (${(a.p50 - s.p50).toFixed(3)} ms more)`);
  console.log(
    JSON.stringify({
      bench: "tcp-forward", mb: MB, pings: PINGS,
      direct_mbps: +d.mbps.toFixed(1), forward_mbps: +a.mbps.toFixed(1), ssh_mbps: s ? +s.mbps.toFixed(1) : null,
      forward_rtt_p50_ms: +a.p50.toFixed(3), forward_rtt_p99_ms: +a.p99.toFixed(3), ssh_rtt_p50_ms: s ? +s.p50.toFixed(3) : null, direct_rtt_p50_ms: +d.p50.toFixed(3),
      forward_vs_ssh_throughput: s ? +(a.mbps / s.mbps).toFixed(3) : null, forward_vs_ssh_rtt_p50: s ? +(a.p50 / s.p50).toFixed(3) : null,
      sha256_checked: Object.values(res).every((r) => r.ok),
    }),
  );
  echo.close();
}

const work = mkdtempSync(join(tmpdir(), "anchorage-forward-bench-"));
const children: ChildProcess[] = [];
let failed = true;
try {
  await main(work, children);
  failed = false;
} finally {
  for (const ch of children) {
    try {
      if (ch.pid) process.kill(-ch.pid, "SIGTERM");
    } catch {
      ch.kill("SIGTERM");
    }
  }
  await sleep(500);
  if (failed) console.error(`logs kept: ${work}/stack.log, ${work}/agent.log`);
  else rmSync(work, { recursive: true, force: true });
  process.exit(failed ? 1 : 0);
}
