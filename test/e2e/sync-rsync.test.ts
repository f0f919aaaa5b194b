import { spawn, spawnSync } from "node:child_process";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, realpathSync, rmSync, symlinkSync, utimesSync, writeFileSync, lutimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { NODE, startAgent, until, untilOnline } from "./agent-process.ts";

/**
 * Sync keeps rsync -a's meaning (issue 20.4): a tree with symlinks (one inside, one leading
 * outside the destination's roots), empty and nested empty folders and an executable file, synced
 * between two real agents, ends exactly as `rsync -a` of the same tree into another folder
 * (`diff -r --no-dereference`, and type, mode and mtime to the second of every entry), except the
 * outside link, which is refused and listed. Then a touch-only change moves no content and sets
 * the destination's mtime; the dry run says so instead of "identical".
 */
const CLI = new URL("../../agent/bin/anchorage.mjs", import.meta.url).pathname;
const at = (iso: string) => new Date(iso);

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** `find -printf '%y %m %T@ %P'` of a tree, mtime cut to the second, the folder itself left out, sorted. */
function listing(dir: string): string[] {
  const r = run("find", [dir, "-mindepth", "1", "-printf", "%y %m %T@ %P\\n"]);
  expect(r.code, r.err).toBe(0);
  return r.out.trim().split("\n").map((l) => l.replace(/^(\S+ \S+ \d+)\.\d+ /, "$1 ")).sort();
}

function cli(args: string[], token: string) {
  const child = spawn(NODE, [CLI, ...args], { env: { ...process.env, ANCHORAGE_TOKEN: token }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  return new Promise<{ code: number; out: string; err: string }>((resolve) => child.on("exit", (code) => resolve({ code: code ?? -1, out, err })));
}

describe("sync keeps rsync -a's meaning", () => {
  const tmp = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-sync-rsync-")));
  const rootA = join(tmp, "a");
  const rootB = join(tmp, "b");
  const outside = join(tmp, "outside");
  const src = join(rootA, "tree");
  const dst = join(rootB, "tree");
  const viaRsync = join(tmp, "rsync-copy");
  const tag = Date.now().toString(36);
  let owner: TestUser;
  let token = "";
  let a: Awaited<ReturnType<typeof startAgent>>;
  let b: Awaited<ReturnType<typeof startAgent>>;

  const body = () => ({ sourceInstanceId: a.instanceId, destinationInstanceId: b.instanceId, sourcePath: src, targetPath: dst, options: { exclude: [], delete: false } });
  async function syncAndWait() {
    const started = await api("/api/cloud/sync/cross-instance", { token: owner.token, body: body() });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const id = started.body.operationId as string;
    const done = await until(async () => {
      const s = await api(`/api/cloud/sync/operations/${encodeURIComponent(id)}`, { token: owner.token });
      return s.body.state !== "running" ? s.body : null;
    }, 60_000);
    expect(done.state, done.error).toBe("done");
    return done;
  }
  /** rsync -a of the source into its own folder, the refused link taken out (the one expected difference). */
  function rsyncCopy() {
    const r = run("rsync", ["-a", "--delete", `${src}/`, `${viaRsync}/`]);
    expect(r.code, r.err).toBe(0);
    rmSync(join(viaRsync, "escape"));
  }
  function expectSameAsRsync() {
    const diff = run("diff", ["-r", "--no-dereference", dst, viaRsync]);
    expect(diff.code, diff.out + diff.err).toBe(0);
    expect(listing(dst)).toEqual(listing(viaRsync));
  }

  beforeAll(async () => {
    for (const d of [rootA, rootB, outside]) mkdirSync(d);
    const files: Record<string, string> = { "readme.md": "# hi\n", "src/app.js": "console.log(1);\n", "bin/tool.sh": "#!/bin/sh\necho tool\n", "src/lib/util.js": "export {};\n" };
    for (const [p, content] of Object.entries(files)) {
      mkdirSync(join(src, p, ".."), { recursive: true });
      writeFileSync(join(src, p), content);
      utimesSync(join(src, p), at("2023-03-04T05:06:07.250Z"), at("2023-03-04T05:06:07.250Z"));
    }
    chmodSync(join(src, "bin/tool.sh"), 0o755);
    chmodSync(join(src, "src/lib/util.js"), 0o600);
    mkdirSync(join(src, "empty"));
    mkdirSync(join(src, "nest/deeper/deepest"), { recursive: true });
    chmodSync(join(src, "nest/deeper"), 0o700);
    symlinkSync("tool.sh", join(src, "bin/run")); // inside
    symlinkSync("../src", join(src, "bin/src-dir")); // inside, to a folder
    symlinkSync("../../outside", join(src, "escape")); // at the destination: tmp/outside, outside its roots
    for (const l of ["bin/run", "bin/src-dir", "escape"]) lutimesSync(join(src, l), at("2022-01-02T03:04:05Z"), at("2022-01-02T03:04:05Z"));
    // Folders last, deepest first (writing into a folder moves its mtime).
    for (const [i, d] of ["nest/deeper/deepest", "nest/deeper", "nest", "empty", "src/lib", "src", "bin"].entries()) {
      utimesSync(join(src, d), at(`2021-0${1 + (i % 8)}-10T10:00:0${i}Z`), at(`2021-0${1 + (i % 8)}-10T10:00:0${i}Z`));
    }
    owner = await freshUser("sync-rsync");
    a = await startAgent(owner.token, `name: rsync-a-${tag}\nroots: [${JSON.stringify(rootA)}]\n`);
    b = await startAgent(owner.token, `name: rsync-b-${tag}\nroots: [${JSON.stringify(rootB)}]\n`);
    await untilOnline(owner.token, [a.instanceId, b.instanceId]);
    const t = await api("/api/tokens", { token: owner.token, body: { name: "sync rsync", scopes: [{ scope: `cloud.${owner.id}.instances`, actions: ["read", "sync"] }] } });
    expect(t.status).toBe(201);
    token = t.body.token;
  });
  afterAll(() => {
    a?.run.child.kill("SIGKILL");
    b?.run.child.kill("SIGKILL");
    rmSync(tmp, { recursive: true, force: true });
  });

  it("copies symlinks as symlinks, creates empty folders, sets modes and mtimes: the destination is rsync -a's copy but the refused link", async () => {
    const dry = await cli(["sync", `.:${src}`, `rsync-b-${tag}:${dst}`, "--home", a.home, "--dry-run"], token);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toContain("+d empty/\n");
    expect(dry.out).toContain("+d nest/deeper/deepest/\n");
    expect(dry.out).toContain("+l bin/run -> tool.sh\n");

    const op = await syncAndWait();
    rsyncCopy();
    expectSameAsRsync();
    expect(lstatSync(join(dst, "bin/run")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dst, "bin/src-dir"))).toBe("../src");
    expect(lstatSync(join(dst, "bin/tool.sh")).mode & 0o777).toBe(0o755);
    // Refused, and said so: the destination did not exist yet, so its writer judged the link.
    expect(() => lstatSync(join(dst, "escape"))).toThrow();
    expect(op.skipped).toEqual([{ path: "escape", side: "destination", reason: expect.stringContaining("outside the project roots") }]);
    expect(op.bytes.written).toBe(op.bytes.total);
    expect(op.entries.done).toBe(op.entries.total);

    // Now the destination exists: the compare itself refuses the link and lists why.
    const cmp = await api("/api/cloud/sync/compare-cross-instance", { token: owner.token, body: body() });
    expect(cmp.status).toBe(200);
    expect(cmp.body.skipped).toEqual([{ path: "escape", side: "source", reason: expect.stringContaining("outside the destination's project roots") }]);
    expect(cmp.body.files.every((f: { status: string; metadata_only?: boolean }) => f.status === "identical" && !f.metadata_only)).toBe(true);
    expect(cmp.body.directories.every((d: { status: string; metadata_only?: boolean }) => d.status === "identical" && !d.metadata_only)).toBe(true);
    expect(cmp.body.links.map((l: { path: string; status: string }) => [l.path, l.status])).toEqual([["bin/run", "identical"], ["bin/src-dir", "identical"]]);
  });

  it("a touch-only change moves no content: the dry run names it, the sync sets the destination's mtime", async () => {
    utimesSync(join(src, "src/app.js"), at("2024-06-07T08:09:10.500Z"), at("2024-06-07T08:09:10.500Z"));
    const dry = await cli(["sync", `.:${src}`, `rsync-b-${tag}:${dst}`, "--home", a.home, "--dry-run"], token);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toContain("t src/app.js  (same content: only its mtime set)\n");
    expect(dry.out).toContain("skip escape (source): symlink to ../../outside");
    expect(dry.out).toMatch(/0 files, 0 B to send/);

    const op = await syncAndWait();
    expect(op.bytes).toMatchObject({ total: 0, uploaded: 0, downloaded: 0 });
    expect(op.files.total).toBe(0);
    expect(op.entries.total).toBeGreaterThanOrEqual(1);
    rsyncCopy();
    expectSameAsRsync();
    expect(Math.floor(lstatSync(join(dst, "src/app.js")).mtimeMs)).toBe(Date.parse("2024-06-07T08:09:10.500Z"));
  });
});
