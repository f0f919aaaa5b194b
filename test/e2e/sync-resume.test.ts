import { closeSync, createReadStream, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until, untilOnline } from "./agent-process.ts";

/**
 * Issue #7's resume, end to end: `npm start`, two real agents, a 200 MB file of random bytes.
 * The source's agent is killed part-way through the upload and started again; later the
 * destination's agent is killed while it writes the file, and started again. The sync carries on
 * by itself each time, never uploads a chunk twice over, ends with every hash right, and at no
 * moment is anything but the old, whole file at the destination's path.
 */
const MiB = 1024 * 1024;
const SIZE = 200 * MiB;

async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const piece of createReadStream(path)) h.update(piece as Buffer);
  return h.digest("hex");
}

describe("a sync resumes after its agents are killed mid-way", () => {
  const tmp = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-sync-resume-")));
  const rootA = join(tmp, "a");
  const rootB = join(tmp, "b");
  const oldContent = randomBytes(MiB);
  const oldSha = createHash("sha256").update(oldContent).digest("hex");
  let sourceSha = "";
  let owner: TestUser;
  let a: Awaited<ReturnType<typeof startAgent>>;
  let b: Awaited<ReturnType<typeof startAgent>>;
  const killed: { kill: (s: NodeJS.Signals) => void }[] = [];

  beforeAll(async () => {
    mkdirSync(rootA);
    mkdirSync(rootB);
    // 200 MB of random bytes, written 1 MiB at a time (every chunk new to R2).
    const fd = openSync(join(rootA, "big.bin"), "w");
    const whole = createHash("sha256");
    for (let i = 0; i < SIZE / MiB; i++) {
      const piece = randomBytes(MiB);
      whole.update(piece);
      writeSync(fd, piece);
    }
    closeSync(fd);
    sourceSha = whole.digest("hex");
    writeFileSync(join(rootB, "big.bin"), oldContent); // the good file the sync replaces
    owner = await freshUser("sync-resume");
    a = await startAgent(owner.token, `name: resume-a\nroots: [${JSON.stringify(rootA)}]\n`);
    b = await startAgent(owner.token, `name: resume-b\nroots: [${JSON.stringify(rootB)}]\n`);
    await untilOnline(owner.token, [a.instanceId, b.instanceId], 60_000);
  }, 240_000); // 200 MB written and hashed, two agents started: slow on a busy machine
  afterAll(() => {
    for (const c of [a?.run.child, b?.run.child, ...killed]) c?.kill("SIGKILL");
    rmSync(tmp, { recursive: true, force: true });
  });

  /** The destination's path holds the old file, whole; beside it at most the sync's temp files. */
  async function destinationIsOldAndWhole() {
    expect(await sha256File(join(rootB, "big.bin"))).toBe(oldSha);
    for (const name of readdirSync(rootB)) expect(name === "big.bin" || /^\.big\.bin\.anchorage-\d+-[0-9a-f]+\.tmp$/.test(name), name).toBe(true);
  }

  it("the source's agent killed part-way through the upload, then the destination's while it writes: the sync completes with every hash right", { timeout: 300_000 }, async () => {
    const started = await api("/api/cloud/sync/cross-instance", {
      token: owner.token,
      body: { sourceInstanceId: a.instanceId, destinationInstanceId: b.instanceId, sourcePath: rootA, targetPath: rootB, options: { exclude: [], delete: false } },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const id = started.body.operationId as string;
    const status = async () => (await api(`/api/cloud/sync/operations/${encodeURIComponent(id)}`, { token: owner.token })).body;

    // A quarter of the way through the upload (progress is saved every 16 MiB), the source's agent dies (SIGKILL: no goodbye).
    await until(async () => (await status()).bytes.uploaded >= SIZE / 4, 240_000);
    a.run.child.kill("SIGKILL");
    await until(async () => (await api(`/api/cloud/instance/${a.instanceId}`, { token: owner.token })).body.status === "offline", 20_000);
    const cut = await status();
    expect(cut.state).toBe("running"); // waiting for the agent, not failed
    expect(cut.bytes.uploaded).toBeLessThan(SIZE);
    await destinationIsOldAndWhole();
    await new Promise((r) => setTimeout(r, 3000));
    expect((await status()).state).toBe("running");
    await destinationIsOldAndWhole();

    // Back: its hello carries the sync on from the chunks already in R2.
    const a2 = a.restart();
    killed.push(a2.child);

    // While the destination writes the file (its temp file appears), its agent dies too.
    const writing = await until(() => readdirSync(rootB).find((n) => n.endsWith(".tmp")), 240_000);
    b.run.child.kill("SIGKILL");
    expect(writing).toMatch(/^\.big\.bin\.anchorage-\d+-[0-9a-f]+\.tmp$/);
    await destinationIsOldAndWhole();
    const b2 = b.restart();
    killed.push(b2.child);

    const done = await until(async () => {
      const s = await status();
      return s.state !== "running" ? s : null;
    }, 240_000);
    expect(done.state, done.error).toBe("done");
    expect(done.files).toEqual({ total: 1, done: 1 });
    expect(done.bytes.total).toBe(SIZE);
    // Chunks stored before the kill were not uploaded again: at most the few in flight at the cut.
    // (The count restarts from the last saved progress, at most 16 MiB back: those bytes are in R2 but not counted.)
    expect(done.bytes.uploaded).toBeGreaterThan(SIZE - 18 * MiB);
    expect(done.bytes.uploaded).toBeLessThanOrEqual(SIZE + 2 * MiB);
    expect(await sha256File(join(rootB, "big.bin"))).toBe(sourceSha);
    expect(await sha256File(join(rootA, "big.bin"))).toBe(sourceSha);
    const backups = readdirSync(join(rootB, ".anchorage-backups"));
    expect(backups).toHaveLength(1);
    expect(createHash("sha256").update(readFileSync(join(rootB, ".anchorage-backups", backups[0]!))).digest("hex")).toBe(oldSha);
    // The killed writer's temp file is all that is left beside it (never in the file's place).
    expect(readdirSync(rootB).filter((n) => n !== ".anchorage-backups" && n !== "big.bin").every((n) => n.endsWith(".tmp"))).toBe(true);
  });
});
