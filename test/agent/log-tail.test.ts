import { appendFile, mkdtemp, rename, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LogLine } from "@anchorage/common/protocol/messages";
import { LogTail, MAX_BATCH, MAX_LINE } from "../../agent/src/log-tail.ts";

let dir: string;
let tail: LogTail | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "anchorage-tail-"));
});
afterEach(async () => {
  await tail?.stop();
  tail = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** A tail polled by hand (the timer is set far off), collecting every batch. */
async function follow(files: string[], intervalMs = 60_000) {
  const batches: LogLine[][] = [];
  const errors: string[] = [];
  tail = new LogTail({ files, intervalMs, onLines: (lines) => batches.push(lines), onError: (e) => errors.push(e.message) });
  await tail.start();
  const lines = () => batches.flat().map((l) => l.line);
  return { batches, errors, lines, tail };
}

describe("LogTail", () => {
  it("does not replay what the file held before it started", async () => {
    const file = join(dir, "app.log");
    await writeFile(file, "old 1\nold 2\n");
    const t = await follow([file]);
    await t.tail.poll();
    expect(t.lines()).toEqual([]);
    await appendFile(file, "new 1\n");
    await t.tail.poll();
    expect(t.lines()).toEqual(["new 1"]);
  });

  it("picks up appended lines with their source and time", async () => {
    const file = join(dir, "app.log");
    await writeFile(file, "");
    const t = await follow([file]);
    await appendFile(file, "one\ntwo\r\n\nthree\n");
    await t.tail.poll();
    expect(t.batches).toHaveLength(1);
    expect(t.batches[0]!.map((l) => l.line)).toEqual(["one", "two", "", "three"]);
    expect(t.batches[0]![0]!.source).toBe(file);
    expect(Number.isNaN(Date.parse(t.batches[0]![0]!.at))).toBe(false);
  });

  it("holds a partial line until its end is written", async () => {
    const file = join(dir, "app.log");
    await writeFile(file, "");
    const t = await follow([file]);
    await appendFile(file, "hel");
    await t.tail.poll();
    expect(t.lines()).toEqual([]);
    await appendFile(file, "lo wor");
    await t.tail.poll();
    expect(t.lines()).toEqual([]);
    await appendFile(file, "ld\nnext");
    await t.tail.poll();
    expect(t.lines()).toEqual(["hello world"]);
  });

  it("does not cut a UTF-8 character split across two writes", async () => {
    const file = join(dir, "app.log");
    await writeFile(file, "");
    const t = await follow([file]);
    const bytes = Buffer.from("café ☕\n");
    await appendFile(file, bytes.subarray(0, 4)); // ends inside "é"
    await t.tail.poll();
    await appendFile(file, bytes.subarray(4));
    await t.tail.poll();
    expect(t.lines()).toEqual(["café ☕"]);
  });

  it("starts again from the top after truncation", async () => {
    const file = join(dir, "app.log");
    await writeFile(file, "a long line that was there before\n");
    const t = await follow([file]);
    await truncate(file, 0);
    await t.tail.poll();
    await appendFile(file, "after\n");
    await t.tail.poll();
    expect(t.lines()).toEqual(["after"]);
  });

  it("follows a rotation (renamed away, new file in its place) from the new file's start", async () => {
    const file = join(dir, "app.log");
    await writeFile(file, "");
    const t = await follow([file]);
    await appendFile(file, "before rotation\n");
    await t.tail.poll();
    await rename(file, `${file}.1`);
    await writeFile(file, "first of the new file, longer than the old one was\n");
    await t.tail.poll();
    expect(t.lines()).toEqual(["before rotation", "first of the new file, longer than the old one was"]);
  });

  it("picks up a file that is created later, from its start, without an error", async () => {
    const file = join(dir, "later.log");
    const t = await follow([file]);
    await t.tail.poll();
    expect(t.lines()).toEqual([]);
    await writeFile(file, "born\n");
    await t.tail.poll();
    expect(t.lines()).toEqual(["born"]);
    expect(t.errors).toEqual([]);
  });

  it("caps a line at 8 KiB and keeps memory bounded on a line without end", async () => {
    const file = join(dir, "app.log");
    await writeFile(file, "");
    const t = await follow([file]);
    await appendFile(file, "x".repeat(MAX_LINE * 3) + "\nshort\n");
    await t.tail.poll();
    expect(t.lines().map((l) => l.length)).toEqual([MAX_LINE, 5]);
  });

  it("sends at most 1000 lines a batch", async () => {
    const file = join(dir, "app.log");
    await writeFile(file, "");
    const t = await follow([file]);
    await appendFile(file, Array.from({ length: 2500 }, (_, i) => `line ${i}`).join("\n") + "\n");
    await t.tail.poll();
    expect(t.batches.map((b) => b.length)).toEqual([MAX_BATCH, MAX_BATCH, 500]);
    expect(t.lines().at(-1)).toBe("line 2499");
  });

  it("follows several files and names each line's source", async () => {
    const a = join(dir, "a.log");
    const b = join(dir, "b.log");
    await writeFile(a, "");
    await writeFile(b, "");
    const t = await follow([a, b]);
    await appendFile(b, "from b\n");
    await appendFile(a, "from a\n");
    await t.tail.poll();
    expect(t.batches.flat().map((l) => [l.source, l.line])).toEqual([
      [a, "from a"],
      [b, "from b"],
    ]);
  });

  it("polls on its own and stops cleanly", async () => {
    const file = join(dir, "app.log");
    await writeFile(file, "");
    const t = await follow([file], 50);
    await appendFile(file, "tick\n");
    for (let i = 0; i < 40 && t.lines().length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(t.lines()).toEqual(["tick"]);
    await t.tail.stop();
    await appendFile(file, "after stop\n");
    await new Promise((r) => setTimeout(r, 200));
    expect(t.lines()).toEqual(["tick"]);
  });
});
