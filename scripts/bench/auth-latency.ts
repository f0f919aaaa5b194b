/**
 * Benchmark (run by hand, not in CI): what authentication adds to a request, against baselines
 * measured in the same run on the same stack.
 *
 *   npx tsx scripts/bench/auth-latency.ts [--requests 400] [--port 8870]
 *
 * It starts its own stack (wrangler dev on --port, temporary state, the var
 * ANCHORAGE_BENCH_CALLS=1 so every response says how many D1, KV, Durable Object and cache calls
 * it made: src/http/call-counts.ts), a tiny local app, and two real agents publishing that app, one
 * `access: public` and one `access: users`. Then, one request at a time and interleaved (each round
 * sends one request of every kind, so drift in the machine's load hits all of them alike):
 *
 * - `GET /healthz` (the Worker answering itself: the floor of any request here);
 * - `GET /auth/user` signed in with the dashboard's cookie, with a Bearer access token, with an
 *   API token (refused with 403 once established: that route is a session's) and with nothing
 *   (401: the route's own cost);
 * - `GET /api/cloud/instance/:id` with a Bearer access token and with an API token (`anc_…`);
 * - a proxied GET to the app: public (no authentication) and signed in (Bearer; the dashboard's
 *   cookie on the path form; the proxy cookie on the app's own host), and as a user the instance
 *   is shared with.
 *
 * Auth's cost is each signed-in figure minus its unauthenticated twin: /auth/user against itself
 * without a credential, a signed-in proxied GET against the public one; every row also against
 * /healthz. Ends with one JSON line.
 *
 * Run it from a tree nobody is editing: wrangler dev reloads the Worker on every source change,
 * which restarts the Durable Objects and drops the agents.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { spawnSync } from "node:child_process";
import { bootstrapAdmin } from "../lib/bootstrap-admin.ts";
import { ensureDevVars } from "../lib/dev-vars.ts";
import { applyMigrations, ROOT, WRANGLER, wranglerEnv, type Target } from "../lib/wrangler.ts";

const { values } = parseArgs({ options: { requests: { type: "string", default: "400" }, port: { type: "string", default: "8870" } } });
const ROUNDS = Number(values.requests);
const PORT = Number(values.port);
const BASE = `http://127.0.0.1:${PORT}`;
const ORIGIN = `http://localhost:${PORT}`;
const NODE = join(ROOT, "node_modules/.bin/node");
const ADMIN = { email: "bench@anchorage.local", password: "bench admin password" };
const SHAREE = { email: "sharee@anchorage.local", password: "bench sharee password" };
const work = mkdtempSync(join(tmpdir(), "anchorage-auth-bench-"));
const STACK_LOG = join(work, "stack.log");
const children: ChildProcess[] = [];
const servers: Server[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const round = (n: number, d = 2) => Number(n.toFixed(d));

/** One keep-alive client for every request, so no request pays for a connection the others do not. */
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
type Reply = { status: number; headers: IncomingHttpHeaders; body: string };

function send(path: string, o: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Reply> {
  const body = o.body === undefined ? undefined : JSON.stringify(o.body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${BASE}${path}`,
      { method: o.method ?? (body ? "POST" : "GET"), agent, headers: { ...(body ? { "content-type": "application/json" } : {}), ...o.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function expectOk(what: string, reply: Promise<Reply>, status = 200): Promise<Reply> {
  const r = await reply;
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${r.body.slice(0, 300)}`);
  return r;
}

async function waitFor(check: () => Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** The local app behind both proxies: a two-byte answer. */
async function startApp(): Promise<number> {
  const server = createServer((_req, res) => res.end("ok"));
  server.keepAliveTimeout = 60_000;
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as { port: number }).port;
}

/** The stack as `npm start` runs it (migrations, first admin, wrangler dev), plus the call counting var. */
async function startStack() {
  const target: Target = { remote: false, persistTo: join(work, "state") };
  await ensureDevVars(join(ROOT, ".dev.vars"));
  applyMigrations(target);
  await bootstrapAdmin(target, ADMIN);
  const log = openSync(STACK_LOG, "w");
  const dev = spawn(
    WRANGLER,
    [
      "dev", "--ip", "127.0.0.1", "--port", String(PORT),
      "--var", `APP_ORIGIN:${ORIGIN},${BASE}`,
      "--var", `PROXY_DOMAIN:localhost:${PORT}`,
      "--var", "ANCHORAGE_BENCH_CALLS:1",
      "--persist-to", target.persistTo!,
      "--show-interactive-dev-session=false",
    ],
    // Its output goes to a file, shown when something fails.
    { cwd: ROOT, env: wranglerEnv, stdio: ["ignore", log, log], detached: true },
  );
  children.push(dev);
  await waitFor(async () => (await send("/healthz")).status === 200, 120_000, "the stack");
}

function startAgent(slug: string, access: "public" | "users", appPort: number) {
  const home = join(work, slug);
  const anchor = spawnSync(NODE, [join(ROOT, "agent/bin/anchorage.mjs"), "anchor", BASE, "--home", home, "--email", ADMIN.email], {
    env: { ...process.env, ANCHORAGE_PASSWORD: ADMIN.password },
    encoding: "utf8",
  });
  if (anchor.status !== 0) throw new Error(anchor.stderr + anchor.stdout);
  writeFileSync(join(home, "config.yaml"), `name: ${slug}\nproxy: { slug: ${slug}, target: "http://127.0.0.1:${appPort}", access: ${access} }\n`);
  children.push(spawn(NODE, [join(ROOT, "agent/bin/anchorage.mjs"), "run", "--home", home], { stdio: "ignore", detached: true }));
}

const cookiesOf = (r: Reply) => (r.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]!).filter((kv) => !kv.endsWith("=")).join("; ");

type Scenario = { name: string; path: string; headers?: Record<string, string>; expect?: string; status?: number };

async function main() {
  const appPort = await startApp();
  console.log(`▸ starting the stack on ${BASE} (state in ${work})`);
  await startStack();

  console.log("▸ signing in, anchoring two agents");
  const bearer = JSON.parse((await expectOk("login", send("/auth/login", { body: ADMIN }))).body) as { user: { id: string }; tokens: { access_token: string } };
  const access = bearer.tokens.access_token;
  const cookie = cookiesOf(await expectOk("cookie login", send("/auth/login", { body: { ...ADMIN, transport: "cookie" }, headers: { origin: ORIGIN } })));
  const accessCookie = cookie.split("; ").find((kv) => kv.startsWith("anc_access="))!;
  startAgent("bench-auth-public", "public", appPort);
  startAgent("bench-auth-users", "users", appPort);
  await waitFor(async () => (await send("/p/bench-auth-public/")).body === "ok", 30_000, "the public proxy");
  await waitFor(async () => (await send("/p/bench-auth-users/", { headers: { authorization: `Bearer ${access}` } })).body === "ok", 30_000, "the signed-in proxy");
  const list = JSON.parse((await expectOk("instances", send("/api/cloud/instances", { headers: { authorization: `Bearer ${access}` } }))).body) as { instances: { id: string; name: string }[] };
  const usersInstance = list.instances.find((i) => i.name === "bench-auth-users")!.id;

  // An API token that may read the admin's instances.
  const token = (JSON.parse((await expectOk("API token", send("/api/tokens", { body: { name: "bench", scopes: [{ scope: `cloud.${bearer.user.id}.instances`, actions: ["read"] }] }, headers: { authorization: `Bearer ${access}` } }), 201)).body) as { token: string }).token;

  // A second user the signed-in proxy is shared with (proxy: only).
  await expectOk("register the sharee", send("/auth/register", { body: SHAREE }), 201);
  await expectOk("share", send("/api/cloud/shares/save", { body: { grantee_email: SHAREE.email, instance_id: usersInstance, permissions: ["read:cloud_instance", "proxy:cloud_instance"] }, headers: { authorization: `Bearer ${access}` } }));
  const sharee = (JSON.parse((await expectOk("sharee login", send("/auth/login", { body: SHAREE }))).body) as { tokens: { access_token: string } }).tokens.access_token;

  // The proxy cookie of the app's own host, through the hand-off a browser follows.
  const login = await expectOk("proxy login", send(`/auth/proxy-login?slug=bench-auth-users&next=/`, { headers: { cookie } }), 302);
  const handoff = new URL(login.headers.location!);
  const hostUsers = `bench-auth-users.localhost:${PORT}`;
  const hostPublic = `bench-auth-public.localhost:${PORT}`;
  const proxyCookie = cookiesOf(await expectOk("proxy hand-off", send(handoff.pathname + handoff.search, { headers: { host: hostUsers } }), 302));

  const scenarios: Scenario[] = [
    { name: "healthz", path: "/healthz" },
    // The same route without a credential (401 before any lookup): the route's own cost, so the
    // signed-in rows' difference to it is authentication alone.
    { name: "user_anonymous", path: "/auth/user", status: 401 },
    { name: "user_cookie", path: "/auth/user", headers: { cookie: accessCookie } },
    { name: "user_bearer", path: "/auth/user", headers: { authorization: `Bearer ${access}` } },
    // An API token is established, then refused (a session's route): its authentication alone.
    { name: "user_api_token", path: "/auth/user", headers: { authorization: `Bearer ${token}` }, status: 403 },
    { name: "instance_bearer", path: `/api/cloud/instance/${usersInstance}`, headers: { authorization: `Bearer ${access}` } },
    { name: "instance_api_token", path: `/api/cloud/instance/${usersInstance}`, headers: { authorization: `Bearer ${token}` } },
    { name: "proxy_public", path: "/p/bench-auth-public/", expect: "ok" },
    { name: "proxy_bearer", path: "/p/bench-auth-users/", headers: { authorization: `Bearer ${access}` }, expect: "ok" },
    { name: "proxy_cookie", path: "/p/bench-auth-users/", headers: { cookie: accessCookie }, expect: "ok" },
    { name: "proxy_sharee", path: "/p/bench-auth-users/", headers: { authorization: `Bearer ${sharee}` }, expect: "ok" },
    { name: "host_public", path: "/", headers: { host: hostPublic }, expect: "ok" },
    { name: "host_proxy_cookie", path: "/", headers: { host: hostUsers, cookie: proxyCookie }, expect: "ok" },
  ];
  const times = new Map(scenarios.map((s) => [s.name, [] as number[]]));
  type Calls = { d1: number; kv: number; do: number; cache: number };
  const KINDS = ["d1", "kv", "do", "cache"] as const;
  const zero = (): Calls => ({ d1: 0, kv: 0, do: 0, cache: 0 });
  // Per kind of request: the calls summed over the measured requests, and the most any one made.
  const callSum = new Map(scenarios.map((s) => [s.name, zero()]));
  const callMax = new Map(scenarios.map((s) => [s.name, zero()]));
  let measuring = false;
  const once = async (s: Scenario) => {
    const t = performance.now();
    const r = await send(s.path, { headers: s.headers });
    const ms = performance.now() - t;
    if (r.status !== (s.status ?? 200) || (s.expect !== undefined && r.body !== s.expect)) throw new Error(`${s.name}: ${r.status} ${r.body.slice(0, 200)}`);
    const made = JSON.parse(String(r.headers["x-anchorage-calls"] ?? "null")) as Calls | null;
    if (!made) throw new Error(`${s.name}: no X-Anchorage-Calls header (is ANCHORAGE_BENCH_CALLS reaching the Worker?)`);
    if (measuring) {
      for (const k of KINDS) {
        callSum.get(s.name)![k] += made[k];
        callMax.get(s.name)![k] = Math.max(callMax.get(s.name)![k], made[k]);
      }
    }
    return ms;
  };
  console.log(`▸ warming up, then ${ROUNDS} rounds of ${scenarios.length} requests, one at a time`);
  for (let i = 0; i < 30; i++) for (const s of scenarios) await once(s);
  measuring = true;
  for (let i = 0; i < ROUNDS; i++) {
    // A different order each round: no kind always follows the same other kind.
    const order = scenarios.map((s, k) => ({ s, k: (k * 7 + i) % scenarios.length })).sort((a, b) => a.k - b.k);
    for (const { s } of order) times.get(s.name)!.push(await once(s));
  }

  const stat = (name: string) => ({ p50: pct(times.get(name)!, 50), p95: pct(times.get(name)!, 95) });
  const floor = stat("healthz");
  const twin: Record<string, string> = {
    user_anonymous: "healthz", user_cookie: "user_anonymous", user_bearer: "user_anonymous", user_api_token: "user_anonymous",
    instance_bearer: "healthz", instance_api_token: "instance_bearer",
    proxy_public: "healthz", proxy_bearer: "proxy_public", proxy_cookie: "proxy_public", proxy_sharee: "proxy_public",
    host_public: "healthz", host_proxy_cookie: "host_public",
  };
  const rows: Record<string, unknown> = {};
  console.log(`\n| request | p50 ms | p95 ms | p50 over /healthz | p50 over its unauthenticated twin | calls per request, mean (most): D1, KV, DO, cache |\n|---|---|---|---|---|---|`);
  for (const s of scenarios) {
    const { p50, p95 } = stat(s.name);
    const base = twin[s.name];
    const over = base ? p50 - stat(base).p50 : 0;
    const mean = Object.fromEntries(KINDS.map((k) => [k, round(callSum.get(s.name)![k] / ROUNDS)])) as Calls;
    const most = callMax.get(s.name)!;
    rows[s.name] = { p50: round(p50), p95: round(p95), over_healthz_p50: round(p50 - floor.p50), ratio_healthz_p50: round(p50 / floor.p50), ...(base ? { twin: base, over_twin_p50: round(over) } : {}), calls_mean: mean, calls_most: most };
    const c = KINDS.map((k) => `${mean[k]} (${most[k]})`).join(", ");
    console.log(`| ${s.name} | ${p50.toFixed(2)} | ${p95.toFixed(2)} | ${(p50 - floor.p50).toFixed(2)} | ${base ? `${over.toFixed(2)} (vs ${base})` : "—"} | ${c} |`);
  }
  console.log(JSON.stringify({ bench: "auth-latency", rounds: ROUNDS, commit: spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).stdout.trim(), results: rows }));
}

try {
  await main();
} catch (e) {
  console.error(`the stack's last output:\n${readFileSync(STACK_LOG, "utf8").split("\n").slice(-40).join("\n")}`);
  throw e;
} finally {
  for (const ch of children) {
    try {
      if (ch.pid) process.kill(-ch.pid, "SIGTERM");
    } catch {
      ch.kill("SIGTERM");
    }
  }
  agent.destroy();
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  await sleep(1000);
  rmSync(work, { recursive: true, force: true });
}
