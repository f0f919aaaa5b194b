/**
 * Benchmark (run by hand, not in CI): the reverse proxy against the same app reached
 * (a) directly, (b) through Anchorage (/p/<slug>/: Worker → InstanceDO → agent socket → app),
 * (c) through Debian's nginx as a reverse proxy. All in one run, on one machine.
 *
 *   npx tsx scripts/bench/proxy-throughput.ts [--requests 3000] [--concurrency 16] [--mb 100] [--relays 3] [--only download]
 *
 * Besides (b) with one socket, it measures (b) again with `proxy.relays: N` (a second agent), and
 * the cost of the slug lookup alone (an unknown slug's 404 against the Worker's own /healthz).
 * `--only download` measures the downloads alone (no small GETs, no relays).
 *
 * Every download's bytes are hashed (SHA-256) as they arrive and checked against the app's body
 * (random bytes, so a lost, repeated or reordered frame shows). The hash costs the client the same
 * on every path; one more direct download without it shows what the hash itself costs. The agent's
 * memory is watched during a body a tenth the size and the full one: flat means the same peak.
 * The last line printed is one JSON object of the figures.
 *
 * Needs nginx on the PATH (`apt-get install nginx-light`); without it, (c) is skipped.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { requests: { type: "string", default: "3000" }, concurrency: { type: "string", default: "16" }, mb: { type: "string", default: "100" }, port: { type: "string", default: "8796" }, relays: { type: "string", default: "3" }, only: { type: "string" } } });
const DOWNLOAD_ONLY = values.only === "download";
const RELAYS = Number(values.relays);
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const MB = Number(values.mb);
const PORT = Number(values.port);
const ROOT = new URL("../..", import.meta.url).pathname;
const NODE = join(ROOT, "node_modules/.bin/node");
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = { email: "bench@anchorage.local", password: "bench admin password" };
const work = mkdtempSync(join(tmpdir(), "anchorage-proxy-bench-"));
const children: ChildProcess[] = [];
/** Our own listeners, closed at the end (or the process would never exit). */
const servers: Server[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
/**
 * Resident memory of `pids`, in KiB, from /proc (not `ps`: spawning one every 100 ms blocks this
 * process's event loop, and the app and the client both run in it).
 */
const rssKb = (pids: number[]) =>
  pids.reduce((n, pid) => {
    try {
      return n + Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      return n;
    }
  }, 0);
/** Processes named `name` among `root`'s descendants only: other stacks on this machine are not ours to count. */
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
/** The app's download body: random, so any lost, repeated or reordered byte changes its hash. */
const BODY = randomBytes(MB * 1024 * 1024);
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function waitFor(check: () => Promise<boolean> | boolean, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await Promise.resolve().then(check).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** The local app: a small answer, and a large streamed download (`/big`, or `/big?tenth` for a tenth of it). */
async function startApp(): Promise<number> {
  const server = createServer((req, res) => {
    if (req.url?.includes("/big")) {
      const body = req.url.includes("tenth") ? BODY.subarray(0, BODY.length / 10) : BODY;
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(body.length) });
      let at = 0; // 64 KiB writes, as a file server's would be
      const write = () => {
        while (at < body.length) {
          const chunk = body.subarray(at, at + 64 * 1024);
          at += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", write);
        }
        res.end();
      };
      return write();
    }
    res.end("ok");
  });
  server.keepAliveTimeout = 60_000;
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as { port: number }).port;
}

function startNginx(appPort: number): string | null {
  if (spawnSync("nginx", ["-v"]).status !== 0) return null;
  const port = PORT + 1;
  const conf = join(work, "nginx.conf");
  writeFileSync(
    conf,
    `worker_processes 1; daemon off; pid ${work}/nginx.pid; error_log ${work}/nginx-error.log;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path ${work}; proxy_temp_path ${work};
  upstream app { server 127.0.0.1:${appPort}; keepalive 32; }
  server { listen 127.0.0.1:${port};
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host; } } }`,
  );
  children.push(spawn("nginx", ["-c", conf], { stdio: "ignore" }));
  return `http://127.0.0.1:${port}`;
}

async function smallGets(url: string) {
  // Latency alone: one request at a time.
  const serial: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t = performance.now();
    await (await fetch(url)).text();
    serial.push(performance.now() - t);
  }
  // Throughput: CONCURRENCY requests in flight.
  let next = 0;
  const t0 = performance.now();
  const lat: number[] = [];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS) {
        const t = performance.now();
        const res = await fetch(url);
        if ((await res.text()) !== "ok") throw new Error(`bad answer from ${url}: ${res.status}`);
        lat.push(performance.now() - t);
      }
    }),
  );
  return { rps: REQUESTS / ((performance.now() - t0) / 1000), p50: pct(serial, 50), p99: pct(serial, 99), loadedP99: pct(lat, 99) };
}

/**
 * One download, its bytes hashed as they come (unless `hash` is false) and checked against the
 * app's body; the peak RSS and the CPU seconds of each group of processes in `watch` meanwhile.
 */
async function download(url: string, watch: number[][], o: { hash?: boolean; tenth?: boolean } = {}) {
  const expected = o.tenth ? BODY.subarray(0, BODY.length / 10) : BODY;
  const peaks = watch.map(() => 0);
  const timer = setInterval(() => watch.forEach((pids, i) => (peaks[i] = Math.max(peaks[i]!, rssKb(pids)))), 100);
  const cpu0 = watch.map(cpuSeconds);
  const self0 = process.cpuUsage();
  const hash = o.hash === false ? null : createHash("sha256");
  const t0 = performance.now();
  const reader = (await fetch(o.tenth ? `${url}?tenth` : url)).body!.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    hash?.update(value);
  }
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  const self = process.cpuUsage(self0);
  if (n !== expected.length) throw new Error(`download from ${url} was ${n} bytes, expected ${expected.length}`);
  if (hash && hash.digest("hex") !== sha256(expected)) throw new Error(`download from ${url}: the bytes differ from the app's (SHA-256)`);
  return {
    mbps: expected.length / 1024 / 1024 / seconds,
    peaksMb: peaks.map((k) => k / 1024),
    cpu: watch.map((pids, i) => cpuSeconds(pids) - cpu0[i]!),
    /** This process: the app and the client, both. */
    selfCpu: (self.user + self.system) / 1e6,
  };
}

async function main() {
  const appPort = await startApp();
  const direct = `http://127.0.0.1:${appPort}`;
  const nginx = startNginx(appPort);
  console.log(`▸ starting the stack on ${BASE}`);
  const stack = spawn("npm", ["start"], {
    cwd: ROOT,
    // SKIP_FRONTEND_BUILD: a build would empty frontend/dist under another stack running from this tree.
    env: { ...process.env, PORT: String(PORT), ANCHORAGE_STATE_DIR: join(work, "state"), ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, SKIP_FRONTEND_BUILD: "1" },
    stdio: "ignore",
    detached: true,
  });
  children.push(stack);
  await waitFor(async () => (await fetch(`${BASE}/healthz`)).ok, 120_000, "the stack");
  const startAgent = (slug: string, relays: number) => {
    const home = join(work, slug);
    const anchor = spawnSync(NODE, [join(ROOT, "agent/bin/anchorage.mjs"), "anchor", BASE, "--home", home, "--email", ADMIN.email], {
      env: { ...process.env, ANCHORAGE_PASSWORD: ADMIN.password },
      encoding: "utf8",
    });
    if (anchor.status !== 0) throw new Error(anchor.stderr + anchor.stdout);
    writeFileSync(join(home, "config.yaml"), `name: ${slug}\nproxy: { slug: ${slug}, target: "${direct}", access: public, relays: ${relays} }\n`);
    // --supervised: the agent itself, not a keeper process with the agent as its child, so its PID is the one to watch.
    const agent = spawn(NODE, [join(ROOT, "agent/bin/anchorage.mjs"), "run", "--home", home, "--supervised"], { stdio: "ignore" });
    children.push(agent);
    return agent;
  };
  const agent = startAgent("bench", 1);
  const relayed = DOWNLOAD_ONLY ? null : startAgent("bench-relays", RELAYS);
  const proxied = `${BASE}/p/bench`;
  await waitFor(async () => (await fetch(`${proxied}/small`)).ok, 30_000, "the proxy");
  // Every relay socket up: each answers some request (X-Anchorage-Relay names it).
  const seen = new Set<string>();
  if (relayed) {
    await waitFor(async () => {
      const res = await fetch(`${BASE}/p/bench-relays/small`);
      if (res.ok) seen.add(res.headers.get("x-anchorage-relay") ?? "");
      await res.text();
      return seen.size === RELAYS;
    }, 30_000, "the relay sockets");
  }
  if (nginx) await waitFor(async () => (await fetch(`${nginx}/small`)).ok, 10_000, "nginx");
  const workerd = descendantsNamed("workerd", stack.pid!);
  const watch = [[agent.pid!], workerd];

  type Small = Awaited<ReturnType<typeof smallGets>>;
  type Big = Awaited<ReturnType<typeof download>>;
  const rows: Record<string, { small: Small | null; big: Big }> = {};
  for (const [name, url] of [["(a) direct", direct], ["(b) Anchorage", proxied], ...(nginx ? [["(c) nginx", nginx]] : [])] as [string, string][]) {
    console.log(`▸ ${name}`);
    const small = DOWNLOAD_ONLY ? null : await smallGets(`${url}/small`);
    await download(`${url}/big`, watch, { tenth: true }); // warm-up (connections, JIT), and a check of its own
    rows[name] = { small, big: await download(`${url}/big`, watch) };
  }
  console.log("▸ (a) direct again, without the hash");
  const directRaw = await download(`${direct}/big`, watch, { hash: false });
  console.log(`▸ (b) Anchorage: the agent's memory for a ${MB / 10} MB body`);
  const agentIdleMb = rssKb([agent.pid!]) / 1024;
  const tenth = await download(`${proxied}/big`, watch, { tenth: true });

  const withRelays = relayed ? (console.log(`▸ (b) Anchorage with proxy.relays: ${RELAYS}`), await smallGets(`${BASE}/p/bench-relays/small`)) : null;

  // The floor of any request through the local runtime (wrangler dev → workerd): a route that answers
  // itself; and the slug lookup alone: an unknown slug is a 404 right after its D1 read.
  const serialP50 = async (url: string, status: number) => {
    const times: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t = performance.now();
      const res = await fetch(url);
      await res.text();
      if (res.status !== status) throw new Error(`${url}: ${res.status}`);
      times.push(performance.now() - t);
    }
    return pct(times, 50);
  };
  const floorP50 = DOWNLOAD_ONLY ? NaN : await serialP50(`${BASE}/healthz`, 200);
  const lookupP50 = DOWNLOAD_ONLY ? NaN : await serialP50(`${BASE}/p/no-such-app/small`, 404);
  const a = rows["(a) direct"]!;
  const b = rows["(b) Anchorage"]!;
  const c = rows["(c) nginx"];
  const f = (n: number, d = 1) => n.toFixed(d);
  console.log(`\n| measure | (a) direct | (b) Anchorage | (c) nginx | (b)/(a) | (b)/(c) |\n|---|---|---|---|---|---|`);
  const line = (k: string, get: (r: typeof a) => number, d = 1) =>
    console.log(`| ${k} | ${f(get(a), d)} | ${f(get(b), d)} | ${c ? f(get(c), d) : "—"} | ${f(get(b) / get(a), 2)}× | ${c ? `${f(get(b) / get(c), 2)}×` : "—"} |`);
  if (!DOWNLOAD_ONLY) {
    line(`small GET requests/s (${CONCURRENCY} in flight)`, (r) => r.small!.rps, 0);
    line("small GET p50 latency, ms (one at a time)", (r) => r.small!.p50, 2);
    line("small GET p99 latency, ms (one at a time)", (r) => r.small!.p99, 2);
    line(`small GET p99 latency, ms (${CONCURRENCY} in flight)`, (r) => r.small!.loadedP99, 2);
  }
  line(`${MB} MB download, MB/s (SHA-256 checked)`, (r) => r.big.mbps);
  line(`client + app CPU s for the download`, (r) => r.big.selfCpu, 2);
  console.log(`\ndirect without the hash: ${f(directRaw.mbps)} MB/s, so Anchorage is ${f((b.big.mbps / directRaw.mbps) * 100, 0)}% of it (${f((b.big.mbps / a.big.mbps) * 100, 0)}% of direct with the hash)`);
  console.log(`CPU during the Anchorage download: agent ${f(b.big.cpu[0]!, 2)} s, workerd ${f(b.big.cpu[1]!, 2)} s, client + app ${f(b.big.selfCpu, 2)} s`);
  console.log(`agent memory: ${f(agentIdleMb, 0)} MiB RSS before; peak ${f(tenth.peaksMb[0]!, 0)} MiB during a ${MB / 10} MB body, ${f(b.big.peaksMb[0]!, 0)} MiB during the ${MB} MB one; workerd peak ${f(b.big.peaksMb[1]!, 0)} MiB`);
  if (!DOWNLOAD_ONLY) {
    console.log(`added p50 latency through Anchorage: ${f(b.small!.p50 - a.small!.p50, 2)} ms`);
    console.log(`floor of the local runtime: GET /healthz (answered by the Worker itself) p50 ${f(floorP50, 2)} ms, so the proxy path itself adds ${f(b.small!.p50 - floorP50, 2)} ms over it`);
    console.log(`the slug lookup alone (an unknown slug's 404): p50 ${f(lookupP50, 2)} ms, ${f(lookupP50 - floorP50, 2)} ms over the floor`);
    console.log(`with proxy.relays: ${RELAYS}: ${f(withRelays!.rps, 0)} requests/s (${CONCURRENCY} in flight), p50 ${f(withRelays!.p50, 2)} ms, p99 ${f(withRelays!.p99, 2)} ms, p99 in flight ${f(withRelays!.loadedP99, 2)} ms`);
  }
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);
  const r2 = (n: number) => (Number.isFinite(n) ? Math.round(n * 100) / 100 : null);
  console.log(
    JSON.stringify({
      bench: "proxy",
      mb: MB,
      load_average: load,
      download_mbps: { direct: r2(a.big.mbps), direct_unhashed: r2(directRaw.mbps), anchorage: r2(b.big.mbps), nginx: c ? r2(c.big.mbps) : null },
      download_ratio: { vs_direct: r2(b.big.mbps / a.big.mbps), vs_direct_unhashed: r2(b.big.mbps / directRaw.mbps), vs_nginx: c ? r2(b.big.mbps / c.big.mbps) : null },
      download_cpu_s: { agent: r2(b.big.cpu[0]!), workerd: r2(b.big.cpu[1]!), client_and_app: r2(b.big.selfCpu) },
      agent_rss_mb: { before: r2(agentIdleMb), peak_tenth_body: r2(tenth.peaksMb[0]!), peak_full_body: r2(b.big.peaksMb[0]!) },
      workerd_peak_rss_mb: r2(b.big.peaksMb[1]!),
      sha256_checked: true,
      ...(DOWNLOAD_ONLY
        ? {}
        : {
            small_get: {
              p50_ms: { direct: r2(a.small!.p50), anchorage: r2(b.small!.p50), nginx: c ? r2(c.small!.p50) : null, healthz: r2(floorP50), unknown_slug: r2(lookupP50) },
              rps: { direct: r2(a.small!.rps), anchorage: r2(b.small!.rps), nginx: c ? r2(c.small!.rps) : null, relays: r2(withRelays!.rps) },
            },
          }),
    }),
  );
}

try {
  await main();
} finally {
  for (const ch of children) {
    try {
      if (ch.pid) process.kill(-ch.pid, "SIGTERM");
    } catch {
      ch.kill("SIGTERM");
    }
  }
  spawnSync("pkill", ["-f", `nginx -c ${work}`]);
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  await sleep(500);
  rmSync(work, { recursive: true, force: true });
}

