import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { agentConfigSchema } from "@anchorage/common";
import { spawnSync } from "node:child_process";
import { ScanCache } from "../../../agent/src/files/scan-cache.ts";
import { scanTree } from "../../../agent/src/files/scan-tree.ts";
import { hashFile } from "../../../agent/src/files/hash-file.ts";
import { assembleFile, assembleFiles, chunkFile, chunkFiles, readChunk, readChunks, removeIntoBackup, seedStage, stageChunk, stageChunks, stagedChunks } from "../../../agent/src/files/transfer-files.ts";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const OP = "ins_test.op12345678";

function setup() {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-transfer-")));
  const src = join(base, "src");
  const dst = join(base, "dst");
  const stage = join(base, "stage");
  mkdirSync(src);
  mkdirSync(dst);
  const config = agentConfigSchema.parse({ name: "t", roots: [src, dst] });
  return { src, dst, stage, config };
}

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Moves every chunk of `path` from one root to the other the way a sync does, and assembles it. */
async function copyThroughStage(env: ReturnType<typeof setup>, from: string, to: string) {
  const list = await chunkFile(from, env.config);
  for (const c of list.chunks) await stageChunk(env.stage, OP, c.sha256, await readChunk(from, env.config, c));
  return { list, result: await assembleFile(env.stage, { operation: OP, path: to, size: list.size, sha256: list.sha256, mode: list.mode, mtime_ms: list.mtime_ms, chunks: list.chunks.map((c) => c.sha256) }, env.config) };
}

describe("a sync's transfer on the agent", () => {
  it("chunks a file, stages the chunks and assembles a byte-identical copy with the source's mode and mtime", async () => {
    const env = setup();
    const content = randomBytes(2 * 1024 * 1024 + 17);
    writeFileSync(join(env.src, "big.bin"), content);
    chmodSync(join(env.src, "big.bin"), 0o640);
    const when = new Date("2024-05-01T10:00:00Z");
    utimesSync(join(env.src, "big.bin"), when, when);
    const { list, result } = await copyThroughStage(env, join(env.src, "big.bin"), join(env.dst, "deep", "big.bin"));
    expect(list.sha256).toBe(sha(content));
    expect(list.chunks.length).toBeGreaterThan(5);
    expect(result).toEqual({ path: join(env.dst, "deep", "big.bin"), created: true, backup: null });
    expect(sha(readFileSync(join(env.dst, "deep", "big.bin")))).toBe(sha(content));
    const st = statSync(join(env.dst, "deep", "big.bin"));
    expect(st.mode & 0o7777).toBe(0o640);
    expect(st.mtimeMs).toBe(when.getTime());
    expect(readdirSync(join(env.dst, "deep"))).toEqual(["big.bin"]); // no temp file left
  });

  it("backs up the file it replaces", async () => {
    const env = setup();
    writeFileSync(join(env.src, "a.txt"), "new\n");
    writeFileSync(join(env.dst, "a.txt"), "old but newer\n");
    const { result } = await copyThroughStage(env, join(env.src, "a.txt"), join(env.dst, "a.txt"));
    expect(readFileSync(join(env.dst, "a.txt"), "utf8")).toBe("new\n");
    expect(result.backup && readFileSync(result.backup, "utf8")).toBe("old but newer\n");
  });

  it("refuses a chunk whose bytes do not match its hash, and never replaces a file with content of the wrong hash", async () => {
    const env = setup();
    await expect(stageChunk(env.stage, OP, sha(Uint8Array.of(1)), Uint8Array.of(2))).rejects.toMatchObject({ code: "E-VALIDATION" });
    expect(await stagedChunks(env.stage, OP, [sha(Uint8Array.of(1))])).toEqual([]);
    writeFileSync(join(env.dst, "keep.txt"), "good\n");
    const bytes = new TextEncoder().encode("other\n");
    await stageChunk(env.stage, OP, sha(bytes), bytes);
    expect(await stagedChunks(env.stage, OP, [sha(bytes)])).toEqual([sha(bytes)]);
    await expect(
      assembleFile(env.stage, { operation: OP, path: join(env.dst, "keep.txt"), size: 6, sha256: "0".repeat(64), mode: 0o644, mtime_ms: Date.now(), chunks: [sha(bytes)] }, env.config),
    ).rejects.toMatchObject({ code: "E-CONFLICT" });
    expect(readFileSync(join(env.dst, "keep.txt"), "utf8")).toBe("good\n");
    expect(readdirSync(env.dst)).toEqual(["keep.txt"]);
  });

  it("refuses to hand out a chunk of a file that changed since it was chunked", async () => {
    const env = setup();
    writeFileSync(join(env.src, "a.txt"), "one\n");
    const list = await chunkFile(join(env.src, "a.txt"), env.config);
    writeFileSync(join(env.src, "a.txt"), "two\n");
    await expect(readChunk(join(env.src, "a.txt"), env.config, list.chunks[0]!)).rejects.toMatchObject({ code: "E-CONFLICT" });
  });

  it("moves many small files in one call each way: chunk lists, bytes, staging and assembly, each file checked on its own", async () => {
    const env = setup();
    const names = Array.from({ length: 40 }, (_, i) => `dir${i % 3}/f${i}.txt`);
    for (const [i, n] of names.entries()) {
      mkdirSync(join(env.src, n, ".."), { recursive: true });
      writeFileSync(join(env.src, n), `file ${i}\n`.repeat(i + 1));
    }
    writeFileSync(join(env.dst, "keep.txt"), "old\n");
    const paths = names.map((n) => join(env.src, n));
    const lists = await chunkFiles(paths, env.config);
    expect(lists.map((l) => l.sha256)).toEqual(names.map((n) => sha(readFileSync(join(env.src, n)))));
    const reads = lists.flatMap((l, i) => l.chunks.map((c) => ({ ...c, path: paths[i]! })));
    const bytes = await readChunks(reads, env.config);
    expect(bytes.length).toBe(reads.reduce((n, r) => n + r.length, 0));
    await stageChunks(env.stage, OP, reads.map((r) => ({ sha256: r.sha256, length: r.length })), bytes);
    const files = lists.map((l, i) => ({ path: join(env.dst, names[i]!), size: l.size, sha256: l.sha256, mode: l.mode, mtime_ms: l.mtime_ms, chunks: l.chunks.map((c) => c.sha256) }));
    const results = await assembleFiles(env.stage, OP, files, env.config);
    expect(results.map((r) => r.path)).toEqual(files.map((f) => f.path));
    for (const n of names) expect(readFileSync(join(env.dst, n), "utf8")).toBe(readFileSync(join(env.src, n), "utf8"));
    expect(readdirSync(join(env.dst, "dir0")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("remembers the files it writes in the scan cache: the next scan of the destination reads none of them, and agrees with a real hash", async () => {
    const env = setup();
    const names = ["a.txt", "crlf.txt", "bin.dat", "deep/er/c.txt"];
    const contents = [Buffer.from("one\ntwo\n"), Buffer.from("one\r\ntwo\r\n"), Buffer.from(randomBytes(300_000)), Buffer.from("")];
    const anHourAgo = new Date(Date.now() - 3600_000);
    for (const [i, n] of names.entries()) {
      mkdirSync(join(env.src, n, ".."), { recursive: true });
      writeFileSync(join(env.src, n), contents[i]!);
      utimesSync(join(env.src, n), anHourAgo, anHourAgo);
    }
    const paths = names.map((n) => join(env.src, n));
    const lists = await chunkFiles(paths, env.config);
    const reads = lists.flatMap((l, i) => l.chunks.map((c) => ({ ...c, path: paths[i]! })));
    await stageChunks(env.stage, OP, reads.map((r) => ({ sha256: r.sha256, length: r.length })), await readChunks(reads, env.config));
    const cache = ScanCache.ephemeral();
    await assembleFiles(env.stage, OP, lists.map((l, i) => ({ path: join(env.dst, names[i]!), size: l.size, sha256: l.sha256, mode: l.mode, mtime_ms: l.mtime_ms, chunks: l.chunks.map((c) => c.sha256) })), env.config, cache);
    const hashed: string[] = [];
    const scan = await scanTree(env.dst, { exclude: [], verify: false, cache, hash: (p) => (hashed.push(p), hashFile(p)) });
    expect(hashed).toEqual([]);
    expect(scan.files.map((f) => f.path).sort()).toEqual([...names].sort());
    for (const f of scan.files) expect({ sha256: f.sha256, md5: f.md5, text: f.text }).toEqual(await hashFile(join(env.dst, f.path)));
  });

  it("a batch refuses bytes that do not add up or do not hash, and a wrong file in a batch replaces nothing of its own", async () => {
    const env = setup();
    const a = new TextEncoder().encode("aaaa");
    const b = new TextEncoder().encode("bbbb");
    await expect(stageChunks(env.stage, OP, [{ sha256: sha(a), length: 4 }, { sha256: sha(b), length: 4 }], a)).rejects.toMatchObject({ code: "E-VALIDATION" });
    await expect(stageChunks(env.stage, OP, [{ sha256: sha(a), length: 4 }, { sha256: sha(a), length: 4 }], new Uint8Array([...a, ...b]))).rejects.toMatchObject({ code: "E-VALIDATION" });
    await stageChunks(env.stage, OP, [{ sha256: sha(a), length: 4 }, { sha256: sha(b), length: 4 }], new Uint8Array([...a, ...b]));
    writeFileSync(join(env.dst, "bad.txt"), "good\n");
    const now = Date.now();
    await expect(assembleFiles(env.stage, OP, [
      { path: join(env.dst, "a.txt"), size: 4, sha256: sha(a), mode: 0o644, mtime_ms: now, chunks: [sha(a)] },
      { path: join(env.dst, "bad.txt"), size: 4, sha256: sha(a), mode: 0o644, mtime_ms: now, chunks: [sha(b)] },
    ], env.config)).rejects.toMatchObject({ code: "E-CONFLICT" });
    expect(readFileSync(join(env.dst, "a.txt"), "utf8")).toBe("aaaa");
    expect(readFileSync(join(env.dst, "bad.txt"), "utf8")).toBe("good\n");
    expect(readdirSync(env.dst).sort()).toEqual(["a.txt", "bad.txt"]);
  });

  it("a batch read refuses a chunk of a file that changed since it was chunked", async () => {
    const env = setup();
    writeFileSync(join(env.src, "a.txt"), "one\n");
    writeFileSync(join(env.src, "b.txt"), "two\n");
    const [la, lb] = await chunkFiles([join(env.src, "a.txt"), join(env.src, "b.txt")], env.config);
    writeFileSync(join(env.src, "b.txt"), "TWO\n");
    await expect(readChunks([{ ...la!.chunks[0]!, path: join(env.src, "a.txt") }, { ...lb!.chunks[0]!, path: join(env.src, "b.txt") }], env.config)).rejects.toMatchObject({ code: "E-CONFLICT" });
  });

  it("a batch clears the temp files a killed writer left (its process gone, over an hour old), and no other", async () => {
    const env = setup();
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!; // a process that has ended
    const hourAgo = new Date(Date.now() - 2 * 3600_000);
    const temp = (name: string, pid: number, old: boolean) => {
      writeFileSync(join(env.dst, `.${name}.anchorage-${pid}-abcdef012345.tmp`), "half");
      if (old) utimesSync(join(env.dst, `.${name}.anchorage-${pid}-abcdef012345.tmp`), hourAgo, hourAgo);
    };
    temp("abandoned.bin", dead, true);
    temp("fresh.bin", dead, false); // its writer may be on its way back: left alone for an hour
    temp("live.bin", process.pid, true); // this very process: a write in progress
    writeFileSync(join(env.dst, ".notes.anchorage-1-zz.tmp.keep"), "not ours");
    writeFileSync(join(env.src, "a.txt"), "a\n");
    const [l] = await chunkFiles([join(env.src, "a.txt")], env.config);
    await stageChunks(env.stage, OP, l!.chunks.map((c) => ({ sha256: c.sha256, length: c.length })), readFileSync(join(env.src, "a.txt")));
    await assembleFiles(env.stage, OP, [{ path: join(env.dst, "a.txt"), size: l!.size, sha256: l!.sha256, mode: l!.mode, mtime_ms: l!.mtime_ms, chunks: l!.chunks.map((c) => c.sha256) }], env.config);
    expect(readdirSync(env.dst).sort()).toEqual([`.fresh.bin.anchorage-${dead}-abcdef012345.tmp`, `.live.bin.anchorage-${process.pid}-abcdef012345.tmp`, ".notes.anchorage-1-zz.tmp.keep", "a.txt"].sort());
  });

  it("seeds the stage from the destination's older copy: only the chunks around an edit are left to send", async () => {
    const env = setup();
    const old = randomBytes(3_000_000);
    const edited = new Uint8Array(old.length + 10);
    edited.set(old.subarray(0, 1_500_000));
    edited.set(new TextEncoder().encode("0123456789"), 1_500_000);
    edited.set(old.subarray(1_500_000), 1_500_010);
    writeFileSync(join(env.src, "big.bin"), edited);
    writeFileSync(join(env.dst, "big.bin"), old);
    const wanted = (await chunkFile(join(env.src, "big.bin"), env.config)).chunks.map((c) => c.sha256);
    const answered = await seedStage(env.stage, OP, [join(env.dst, "big.bin"), join(env.dst, "missing.bin")], wanted, env.config);
    const staged = await stagedChunks(env.stage, OP, wanted);
    expect([...answered].sort()).toEqual([...staged].sort()); // what files.stage.have answers
    const left = wanted.filter((c) => !staged.includes(c));
    expect(left.length).toBeGreaterThan(0); // the edited chunk cannot come from the old copy
    expect(left.length).toBeLessThanOrEqual(2);
    expect(staged.length).toBeGreaterThan(wanted.length - 3);
    // Every staged chunk is really what its name says.
    for (const c of staged) expect(sha(readFileSync(join(env.stage, OP, c)))).toBe(c);
    // A seed outside the roots adds nothing (and is not an error).
    await seedStage(env.stage, "ins_test.op87654321", ["/etc/passwd"], wanted, env.config);
    expect(await stagedChunks(env.stage, "ins_test.op87654321", wanted)).toEqual([]);
  });

  it("a deletion moves the file into the backup folder", async () => {
    const env = setup();
    writeFileSync(join(env.dst, "gone.txt"), "bye\n");
    const r = await removeIntoBackup(join(env.dst, "gone.txt"), env.config);
    expect(existsSync(join(env.dst, "gone.txt"))).toBe(false);
    expect(r.backup.startsWith(join(env.dst, ".anchorage-backups", "gone.txt."))).toBe(true);
    expect(readFileSync(r.backup, "utf8")).toBe("bye\n");
  });
});
