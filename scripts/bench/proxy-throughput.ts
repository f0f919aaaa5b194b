/**
 * Benchmark (run by hand, not in CI): the reverse proxy against the same app reached
 * (a) directly, (b) through Anchorage (/p/<slug>/: Worker → InstanceDO → agent socket → app),
 * (c) through Debian's nginx as a reverse proxy. All in one run, on one machine.
 *
 *   npx tsx scripts/bench/proxy-throughput.ts [--requests 3000] [--concurrency 16] [--mb 100] [--relays 3]
 *
 * Besides (b) with one socket, it measures (b) again with `proxy.relays: N` (a second agent), and
 * the cost of the slug lookup alone (an unknown slug's 404 against the Worker's own /healthz).
 *
 * Needs nginx on the PATH (`apt-get install nginx-light`); without it, (c) is skipped.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { requests: { type: "string", default: "3000" }, concurrency: { type: "string", default: "16" }, mb: { type: "string", default: "100" }, port: { type: "string", default: "8796" }, relays: { type: "string", default: "3" } } });
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
const rssKb = (pids: number[]) => pids.reduce((n, pid) => n + (Number(spawnSync("ps", ["-o", "rss=", "-p", String(pid)]).stdout.toString().trim()) || 0), 0);
/** Processes named `name` in process group `group` only: other stacks on this machine are not ours to count. */
const pidsOf = (name: string, group: number) => spawnSync("pgrep", ["-x", name, "-g", String(group)]).stdout.toString().trim().split("\n").filter(Boolean).map(Number);

async function waitFor(check: () => Promise<boolean> | boolean, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await Promise.resolve().then(check).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** The local app: a small answer, and a large streamed download. */
async function startApp(): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 97);
  const server = createServer((req, res) => {
    if (req.url?.includes("/big")) {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(MB * 1024 * 1024) });
      let left = MB * 16; // 64 KiB chunks
      const write = () => {
        while (left > 0) {
          left--;
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

async function download(url: string, watch: number[][]) {
  const peaks = watch.map(() => 0);
  const timer = setInterval(() => watch.forEach((pids, i) => (peaks[i] = Math.max(peaks[i]!, rssKb(pids)))), 100);
  const t0 = performance.now();
  const reader = (await fetch(url)).body!.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
  }
  clearInterval(timer);
  if (n !== MB * 1024 * 1024) throw new Error(`download from ${url} was ${n} bytes`);
  return { mbps: MB / ((performance.now() - t0) / 1000), peaksMb: peaks.map((k) => k / 1024) };
}

async function main() {
  const appPort = await startApp();
  const direct = `http://127.0.0.1:${appPort}`;
  const nginx = startNginx(appPort);
  console.log(`▸ starting the stack on ${BASE}`);
  const stack = spawn("npm", ["start"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(PORT), ANCHORAGE_STATE_DIR: join(work, "state"), ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password },
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
    const agent = spawn(NODE, [join(ROOT, "agent/bin/anchorage.mjs"), "run", "--home", home], { stdio: "ignore" });
    children.push(agent);
    return agent;
  };
  const agent = startAgent("bench", 1);
  const relayed = startAgent("bench-relays", RELAYS);
  const proxied = `${BASE}/p/bench`;
  await waitFor(async () => (await fetch(`${proxied}/small`)).ok, 30_000, "the proxy");
  // Every relay socket up: each answers some request (X-Anchorage-Relay names it).
  const seen = new Set<string>();
  await waitFor(async () => {
    const res = await fetch(`${BASE}/p/bench-relays/small`);
    if (res.ok) seen.add(res.headers.get("x-anchorage-relay") ?? "");
    await res.text();
    return seen.size === RELAYS;
  }, 30_000, "the relay sockets");
  if (nginx) await waitFor(async () => (await fetch(`${nginx}/small`)).ok, 10_000, "nginx");

  const rows: Record<string, Awaited<ReturnType<typeof smallGets>> & { mbps: number; peaks: number[] }> = {};
  for (const [name, url] of [["(a) direct", direct], ["(b) Anchorage", proxied], ...(nginx ? [["(c) nginx", nginx]] : [])] as [string, string][]) {
    console.log(`▸ ${name}`);
    const small = await smallGets(`${url}/small`);
    const big = await download(`${url}/big`, [[agent.pid!], pidsOf("workerd", stack.pid!)]);
    rows[name] = { ...small, mbps: big.mbps, peaks: big.peaksMb };
  }

  console.log(`▸ (b) Anchorage with proxy.relays: ${RELAYS}`);
  const withRelays = await smallGets(`${BASE}/p/bench-relays/small`);

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
  const floorP50 = await serialP50(`${BASE}/healthz`, 200);
  const lookupP50 = await serialP50(`${BASE}/p/no-such-app/small`, 404);
  const a = rows["(a) direct"]!;
  const b = rows["(b) Anchorage"]!;
  const c = rows["(c) nginx"];
  const f = (n: number, d = 1) => n.toFixed(d);
  console.log(`\n| measure | (a) direct | (b) Anchorage | (c) nginx | (b)/(a) | (b)/(c) |\n|---|---|---|---|---|---|`);
  const line = (k: string, get: (r: typeof a) => number, d = 1) =>
    console.log(`| ${k} | ${f(get(a), d)} | ${f(get(b), d)} | ${c ? f(get(c), d) : "—"} | ${f(get(b) / get(a), 2)}× | ${c ? `${f(get(b) / get(c), 2)}×` : "—"} |`);
  line(`small GET requests/s (${CONCURRENCY} in flight)`, (r) => r.rps, 0);
  line("small GET p50 latency, ms (one at a time)", (r) => r.p50, 2);
  line("small GET p99 latency, ms (one at a time)", (r) => r.p99, 2);
  line(`small GET p99 latency, ms (${CONCURRENCY} in flight)`, (r) => r.loadedP99, 2);
  line(`${MB} MB download, MB/s`, (r) => r.mbps);
  console.log(`\nadded p50 latency through Anchorage: ${f(b.p50 - a.p50, 2)} ms; download throughput ${f((b.mbps / a.mbps) * 100, 0)}% of direct`);
  console.log(`floor of the local runtime: GET /healthz (answered by the Worker itself) p50 ${f(floorP50, 2)} ms, so the proxy path itself adds ${f(b.p50 - floorP50, 2)} ms over it`);
  console.log(`the slug lookup alone (an unknown slug's 404): p50 ${f(lookupP50, 2)} ms, ${f(lookupP50 - floorP50, 2)} ms over the floor`);
  console.log(`with proxy.relays: ${RELAYS}: ${f(withRelays.rps, 0)} requests/s (${CONCURRENCY} in flight), p50 ${f(withRelays.p50, 2)} ms, p99 ${f(withRelays.p99, 2)} ms, p99 in flight ${f(withRelays.loadedP99, 2)} ms`);
  console.log(`peak memory during the Anchorage download: agent ${f(b.peaks[0]!, 0)} MiB RSS, workerd ${f(b.peaks[1]!, 0)} MiB RSS`);
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

