import { describe, expect, it } from "vitest";
import { batchFiles, chunksToUpload, compareScans, groupByBytes, planSync, TRANSFER_BATCH_BYTES, TRANSFER_BATCH_FILES, type ScanFile } from "@anchorage/common";

const file = (path: string, content: string, mtime_ms = 1000): ScanFile => ({
  path, size: content.length, mtime_ms, mode: 0o644, sha256: content.padEnd(64, "0").slice(0, 64).replace(/[^0-9a-f]/g, "a"), md5: "0".repeat(32), text: false,
});

describe("planning a sync", () => {
  it("transfers new, different and destination-newer files, and deletes only when asked", () => {
    const entries = compareScans(
      [file("same", "1"), file("new", "2"), file("changed", "3", 2000), file("conflict", "4", 1000)],
      [file("same", "1"), file("changed", "5", 1000), file("conflict", "6", 5000), file("extra", "7")],
    );
    const keep = planSync(entries, { delete: false });
    expect("transfer" in keep && keep.transfer.map((e) => e.path)).toEqual(["changed", "conflict", "new"]);
    expect("remove" in keep && keep.remove).toEqual([]);
    const del = planSync(entries, { delete: true });
    expect("remove" in del && del.remove.map((e) => e.path)).toEqual(["extra"]);
  });

  it("narrowed to chosen paths, does only those, and only what still differs", () => {
    const entries = compareScans([file("a", "1"), file("b", "2"), file("same", "3")], [file("same", "3"), file("x", "4")]);
    const r = planSync(entries, { delete: true, only: new Set(["b", "same", "x", "gone"]) });
    expect("transfer" in r && r.transfer.map((e) => e.path)).toEqual(["b"]);
    expect("remove" in r && r.remove.map((e) => e.path)).toEqual(["x"]);
  });

  it("refuses to sync from an empty source, which would look like everything was deleted", () => {
    const r = planSync(compareScans([], [file("a", "1")]), { delete: true });
    expect(r).toMatchObject({ code: "E-VALIDATION" });
  });

  it("refuses a mass deletion: more than 10 files and more than a quarter of the destination", () => {
    const dest = Array.from({ length: 40 }, (_, i) => file(`d${i}`, String(i)));
    const src = dest.slice(0, 28); // 12 of 40 would go: 30%
    expect(planSync(compareScans(src, dest), { delete: true })).toMatchObject({ code: "E-CONFLICT" });
    expect(planSync(compareScans(dest.slice(0, 31), dest), { delete: true })).toHaveProperty("remove"); // 9: allowed
    expect(planSync(compareScans(src, dest), { delete: false })).toHaveProperty("transfer"); // no deletion asked
  });

  it("uploads only the chunks R2 does not hold, each once", () => {
    const c = (s: string) => ({ sha256: s.repeat(64), offset: 0, length: 1 });
    expect(chunksToUpload([c("a"), c("b"), c("a"), c("c")], new Set(["b".repeat(64)])).map((x) => x.sha256[0])).toEqual(["a", "c"]);
    expect(chunksToUpload([c("a"), c("b")], new Set(["a".repeat(64), "b".repeat(64)]))).toEqual([]);
  });
});

describe("batching a transfer", () => {
  it("puts small files together up to the byte and file bounds, a large file alone, in the plan's order", () => {
    const f = (path: string, size: number) => ({ path, size });
    const batches = batchFiles([f("a", 100_000), f("b", 100_000), f("c", 100_000), f("big", 5_000_000), f("d", 10), f("e", 0)]);
    expect(batches.map((b) => b.map((x) => x.path))).toEqual([["a", "b"], ["c"], ["big"], ["d", "e"]]);
    for (const b of batches) if (b.length > 1) expect(b.reduce((n, x) => n + x.size, 0)).toBeLessThanOrEqual(TRANSFER_BATCH_BYTES);
    const many = batchFiles(Array.from({ length: 1200 }, (_, i) => f(`s${i}`, 1)));
    expect(many.map((b) => b.length)).toEqual([TRANSFER_BATCH_FILES, TRANSFER_BATCH_FILES, 200]);
    expect(many.flat().map((x) => x.path)).toEqual(Array.from({ length: 1200 }, (_, i) => `s${i}`));
    expect(batchFiles([])).toEqual([]);
  });

  it("groups chunks into calls of at most a chunk's worth of bytes", () => {
    const c = (length: number) => ({ length });
    expect(groupByBytes([c(100), c(100), c(100), c(300)], 250).map((g) => g.map((x) => x.length))).toEqual([[100, 100], [100], [300]]);
    expect(groupByBytes([c(1), c(1), c(1)], 100, 2).map((g) => g.length)).toEqual([2, 1]);
  });
});
