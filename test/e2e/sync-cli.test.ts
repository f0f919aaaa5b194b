import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { NODE, startAgent, until, untilOnline } from "./agent-process.ts";

/**
 * `anchorage sync` end to end: the real CLI as a process, run from agent A's home against
 * `npm start` and two real agents; instances named by name, by id and as `.`; a dry run, a sync,
 * refusals, and Ctrl-C cancelling a sync in flight. Also the instance-scoped transfer routes.
 */
const CLI = new URL("../../agent/bin/anchorage.mjs", import.meta.url).pathname;
const hourAgo = new Date(Date.now() - 3600_000);

function cli(args: string[], env: Record<string, string> = {}) {
  const { ANCHORAGE_TOKEN: _t, ...rest } = process.env;
  const child = spawn(NODE, [CLI, ...args], { env: { ...rest, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const done = new Promise<number>((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : -1))));
  return { child, done, out: () => stdout, err: () => stderr };
}

describe("anchorage sync (the CLI)", () => {
  const tmp = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-sync-cli-")));
  const rootA = join(tmp, "a");
  const rootB = join(tmp, "b");
  const tag = Date.now().toString(36);
  let owner: TestUser;
  let token = "";
  let a: Awaited<ReturnType<typeof startAgent>>;
  let b: Awaited<ReturnType<typeof startAgent>>;
  const write = (path: string, content: string | Uint8Array) => {
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, content);
    utimesSync(path, hourAgo, hourAgo);
  };

  beforeAll(async () => {
    for (const d of [rootA, rootB]) mkdirSync(d);
    write(join(rootA, "site/index.html"), "<h1>hi</h1>\n");
    write(join(rootA, "site/css/app.css"), "body{}\n");
    write(join(rootA, "site/debug.log"), "noise\n");
    write(join(rootA, "big/blob.bin"), randomBytes(48 * 1024 * 1024));
    owner = await freshUser("sync-cli");
    a = await startAgent(owner.token, `name: cli-a-${tag}\nroots: [${JSON.stringify(rootA)}]\n`);
    b = await startAgent(owner.token, `name: cli-b-${tag}\nroots: [${JSON.stringify(rootB)}]\n`);
    await untilOnline(owner.token, [a.instanceId, b.instanceId]);
    const t = await api("/api/tokens", { token: owner.token, body: { name: "sync cli", scopes: [{ scope: `cloud.${owner.id}.instances`, actions: ["read", "sync"] }] } });
    expect(t.status).toBe(201);
    token = t.body.token;
  });
  afterAll(() => {
    a?.run.child.kill("SIGKILL");
    b?.run.child.kill("SIGKILL");
    rmSync(tmp, { recursive: true, force: true });
  });

  it("--dry-run lists what would be sent and changes nothing", async () => {
    const run = cli(["sync", `.:${join(rootA, "site")}`, `cli-b-${tag}:${join(rootB, "site")}`, "--home", a.home, "--dry-run", "--exclude", "*.log"], { ANCHORAGE_TOKEN: token });
    expect(await run.done, run.err()).toBe(0);
    expect(run.out().split("\n").filter((l) => /^[+~!-] /.test(l))).toEqual(["+ css/app.css", "+ index.html"]);
    expect(run.out()).toMatch(/dry run: 2 new, .* 2 files, 19 B to send; 1 folders to create, .* Nothing was changed\./);
    // The destination exists now: the same answer from a compare of the two folders.
    mkdirSync(join(rootB, "site"));
    const again = cli(["sync", `.:${join(rootA, "site")}`, `cli-b-${tag}:${join(rootB, "site")}`, "--home", a.home, "--dry-run", "--exclude", "*.log"], { ANCHORAGE_TOKEN: token });
    expect(await again.done, again.err()).toBe(0);
    expect(again.out()).toBe(run.out());
    rmSync(join(rootB, "site"), { recursive: true });
    expect(existsSync(join(rootB, "site"))).toBe(false);
  });

  it("syncs by instance names, shows progress off a terminal as plain lines, and exits 0; again, nothing to do", async () => {
    const run = cli(["sync", `cli-a-${tag}:${join(rootA, "site")}`, `cli-b-${tag}:${join(rootB, "site")}`, "--home", a.home, "--token", token, "--exclude", "*.log"]);
    expect(await run.done, run.err()).toBe(0);
    expect(run.out()).toMatch(/^done: 2\/2 files, 19 B in \d+:\d\d \(uploaded 19 B, downloaded 19 B\); 2\/2 folders, symlinks and modes or mtimes set\n$/);
    expect(run.err()).toMatch(/^sync ins_\S+ started\n/);
    expect(run.err()).toContain("sync: 100%  2/2 files  19 B/19 B");
    expect(run.err()).not.toContain("\r"); // no bar redrawn in place when stderr is a pipe
    expect(readFileSync(join(rootB, "site/index.html"), "utf8")).toBe("<h1>hi</h1>\n");
    expect(readFileSync(join(rootB, "site/css/app.css"), "utf8")).toBe("body{}\n");
    expect(existsSync(join(rootB, "site/debug.log"))).toBe(false);
    const again = cli(["sync", `${a.instanceId}:${join(rootA, "site")}`, `${b.instanceId}:${join(rootB, "site")}`, "--home", a.home, "--token", token, "--exclude", "*.log"]);
    expect(await again.done, again.err()).toBe(0);
    expect(again.out()).toMatch(/^done: 0\/0 files, 0 B/);
  });

  it("fails with the server's reason: no token, a token without sync, an unknown instance, a missing source", async () => {
    const site = [`.:${join(rootA, "site")}`, `cli-b-${tag}:${join(rootB, "site2")}`];
    const none = cli(["sync", ...site, "--home", a.home]);
    expect(await none.done).toBe(1);
    expect(none.err()).toMatch(/needs --token .* cannot start a sync/);
    const readOnly = await api("/api/tokens", { token: owner.token, body: { name: "read only", scopes: [{ scope: `cloud.${owner.id}.instances`, actions: ["read"] }] } });
    const refused = cli(["sync", ...site, "--home", a.home, "--token", readOnly.body.token]);
    expect(await refused.done).toBe(1);
    expect(refused.err()).toMatch(/anchorage: .*(not allowed|scope|permission)/i);
    const unknown = cli(["sync", `.:${rootA}`, `nobody-${tag}:/x`, "--home", a.home, "--token", token]);
    expect(await unknown.done).toBe(1);
    expect(unknown.err()).toContain(`no instance "nobody-${tag}"`);
    const missing = cli(["sync", `.:${join(rootA, "gone")}`, site[1]!, "--home", a.home, "--token", token]);
    expect(await missing.done).toBe(1);
    expect(missing.err()).toMatch(/no such folder/);
    expect(existsSync(join(rootB, "site2"))).toBe(false);
  });

  it("Ctrl-C cancels the sync on the server and exits 130; the big file is never half-written", async () => {
    const run = cli(["sync", `.:${join(rootA, "big")}`, `cli-b-${tag}:${join(rootB, "big")}`, "--home", a.home, "--token", token]);
    const id = await until(() => /^sync (\S+) started/m.exec(run.err())?.[1], 30_000);
    await new Promise((r) => setTimeout(r, 300));
    run.child.kill("SIGINT");
    expect(await run.done, run.err()).toBe(130);
    expect(run.err()).toMatch(/cancelling…\n(sync: .*\n)?sync cancelled \(0\/1 files written/);
    const op = await api(`/api/cloud/sync/operations/${encodeURIComponent(id)}`, { token: owner.token });
    expect(op.body.state).toBe("cancelled");
    await new Promise((r) => setTimeout(r, 500));
    expect(existsSync(join(rootB, "big/blob.bin"))).toBe(false);
  });

  it("on a terminal, draws the progress bar in place (through a real pty: util-linux script)", async () => {
    const argv = [NODE, CLI, "sync", `.:${join(rootA, "big")}`, `cli-b-${tag}:${join(rootB, "big")}`, "--home", a.home].map((x) => `'${x}'`).join(" ");
    const run = spawn("script", ["-qefc", `stty cols 100; ${argv}`, "/dev/null"], { env: { ...process.env, ANCHORAGE_TOKEN: token }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    run.stdout!.on("data", (d) => (out += d));
    const code = await new Promise<number>((resolve) => run.on("exit", (c) => resolve(c ?? -1)));
    expect(code, out).toBe(0);
    const redraws = out.split("\r").filter((l) => l.startsWith("["));
    expect(redraws.length, out).toBeGreaterThan(1);
    expect(redraws.at(-1)).toMatch(/^\[=+\] 100%  1\/1 files  48\.0 MiB\/48\.0 MiB  .*\/s  ETA 0:00\x1b\[K/);
    for (const r of redraws) expect(r.split("\x1b[K")[0]!.length).toBeLessThanOrEqual(99);
    expect(out).toMatch(/done: 1\/1 files, 48\.0 MiB/);
    expect(readFileSync(join(rootB, "big/blob.bin")).equals(readFileSync(join(rootA, "big/blob.bin")))).toBe(true);
  });

  it("the transfer routes: start under the source instance with chosen files, status until done, 404 under the other", async () => {
    const started = await api(`/api/cloud/instance/${a.instanceId}/transfer/start`, { token, body: { destinationInstanceId: b.instanceId, sourcePath: join(rootA, "site"), targetPath: join(rootB, "chosen"), files: ["css/app.css"] } });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const status = await until(async () => {
      const s = await api(`/api/cloud/instance/${a.instanceId}/transfer/${encodeURIComponent(started.body.transferId)}/status`, { token });
      return s.body.state !== "running" ? s.body : null;
    }, 30_000);
    expect(status).toMatchObject({ transferId: started.body.transferId, state: "done", files: { total: 1, done: 1 } });
    expect(readFileSync(join(rootB, "chosen/css/app.css"), "utf8")).toBe("body{}\n");
    expect(existsSync(join(rootB, "chosen/index.html"))).toBe(false);
    expect((await api(`/api/cloud/instance/${b.instanceId}/transfer/${encodeURIComponent(started.body.transferId)}/status`, { token })).status).toBe(404);
  });
});
