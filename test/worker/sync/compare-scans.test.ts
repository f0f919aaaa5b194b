import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareScans, summarize, type ScanFile } from "@anchorage/common";

/** Stand-in digests: the same content always gets the same one, different content a different one. */
function digests() {
  const ids = new Map<string, number>();
  const id = (s: string) => {
    if (!ids.has(s)) ids.set(s, ids.size + 1);
    return ids.get(s)!;
  };
  return {
    sha256: (raw: string) => id(`raw:${raw}`).toString(16).padStart(64, "0"),
    md5: (normalized: string) => id(`norm:${normalized}`).toString(16).padStart(32, "0"),
  };
}

type Spec = { content: string; text: boolean; mtime: number };
const normalize = (s: string) => s.replaceAll("\r\n", "\n");

function scanOf(files: Record<string, Spec>, d: ReturnType<typeof digests>): ScanFile[] {
  return Object.entries(files).map(([path, f]) => ({
    path,
    size: f.content.length,
    mtime_ms: f.mtime,
    mode: 0o644,
    sha256: d.sha256(f.content),
    md5: f.text ? d.md5(normalize(f.content)) : d.md5(`binary:${f.content}`),
    text: f.text,
  }));
}

// Few paths and short contents from a tiny alphabet, so shared paths and equal contents are common.
const spec = fc.record({ content: fc.array(fc.constantFrom("a", "b", "\r\n", "\n"), { maxLength: 3 }).map((p) => p.join("")), text: fc.boolean(), mtime: fc.integer({ min: 0, max: 5 }) });
const tree = fc.dictionary(fc.constantFrom("a", "b", "c", "d/e", "d/f", "g.txt"), spec, { maxKeys: 6 });

describe("comparing two scans", () => {
  it("lists every path of either side exactly once, in order, with the status its contents and times call for", () => {
    fc.assert(
      fc.property(tree, tree, (src, dst) => {
        const d = digests();
        const entries = compareScans(scanOf(src, d), scanOf(dst, d));
        const all = [...new Set([...Object.keys(src), ...Object.keys(dst)])].sort();
        expect(entries.map((e) => e.path)).toEqual(all);
        for (const e of entries) {
          const s = src[e.path];
          const t = dst[e.path];
          if (!t) expect(e.status).toBe("new");
          else if (!s) expect(e.status).toBe("only_destination");
          else {
            // Identical iff the bytes are equal, or both are text equal once CRLF is LF.
            const same = s.text && t.text ? normalize(s.content) === normalize(t.content) : s.content === t.content;
            expect(e.status).toBe(same ? "identical" : t.mtime > s.mtime ? "destination_newer" : "different");
          }
          expect(e.source === null).toBe(!s);
          expect(e.destination === null).toBe(!t);
        }
        const summary = summarize(entries);
        expect(Object.values(summary).reduce((a, b) => a + b, 0)).toBe(entries.length);
      }),
      { numRuns: 500 },
    );
  });

  it("calls a Windows and a Unix copy of the same text identical, but not two binaries that differ only in CR LF", () => {
    const d = digests();
    const src = scanOf({ "notes.txt": { content: "a\r\nb\r\n", text: true, mtime: 1 }, "img.bin": { content: "a\r\n", text: false, mtime: 1 } }, d);
    const dst = scanOf({ "notes.txt": { content: "a\nb\n", text: true, mtime: 2 }, "img.bin": { content: "a\n", text: false, mtime: 0 } }, d);
    expect(compareScans(src, dst).map((e) => [e.path, e.status])).toEqual([
      ["img.bin", "different"],
      ["notes.txt", "identical"],
    ]);
  });

  it("is a conflict when the destination's different copy is the newer one", () => {
    const d = digests();
    const entries = compareScans(scanOf({ x: { content: "old", text: true, mtime: 1 } }, d), scanOf({ x: { content: "new", text: true, mtime: 2 } }, d));
    expect(entries[0]).toMatchObject({ status: "destination_newer", source: { mtime_ms: 1 }, destination: { mtime_ms: 2 } });
  });
});
