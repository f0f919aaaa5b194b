import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CHUNK_MAX_BYTES, CHUNK_MIN_BYTES, chunkBoundaries } from "@anchorage/common";

/** Pseudo-random bytes from a seed (fast, reproducible): real content has no repeating period. */
function bytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const pieces = (data: Uint8Array) => chunkBoundaries(data).map(([o, l]) => Buffer.from(data.subarray(o, o + l)).toString("hex"));

describe("content-defined chunking (FastCDC)", () => {
  it("cuts any input into chunks that concatenate back to it, each within the size bounds", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 0, max: 2_000_000 }), (seed, length) => {
        const data = bytes(seed, length);
        const cuts = chunkBoundaries(data);
        let at = 0;
        for (const [offset, len] of cuts) {
          expect(offset).toBe(at);
          expect(len).toBeLessThanOrEqual(CHUNK_MAX_BYTES);
          at += len;
        }
        expect(at).toBe(length);
        // Every chunk but the last is at least the minimum.
        for (const [, len] of cuts.slice(0, -1)) expect(len).toBeGreaterThanOrEqual(CHUNK_MIN_BYTES);
        expect(Buffer.concat(cuts.map(([o, l]) => data.subarray(o, o + l))).equals(Buffer.from(data))).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it("after an insertion in the middle, only the chunks near it change", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.uint8Array({ minLength: 1, maxLength: 5000 }), fc.double({ min: 0.2, max: 0.8, noNaN: true }), (seed, inserted, where) => {
        const data = bytes(seed, 3 * 1024 * 1024);
        const at = Math.floor(data.length * where);
        const edited = Buffer.concat([data.subarray(0, at), inserted, data.subarray(at)]);
        const before = pieces(data);
        const after = new Set(pieces(edited));
        const lost = before.filter((p) => !after.has(p));
        // The chunk holding the edit changes, and perhaps a neighbour or two until the cuts realign.
        expect(lost.length).toBeGreaterThanOrEqual(1);
        expect(lost.length).toBeLessThanOrEqual(3);
        expect(before.length).toBeGreaterThan(10);
      }),
      { numRuns: 15 },
    );
  });

  it("cuts by content, not by offset: the same bytes after a shifted prefix make the same chunks", () => {
    const data = bytes(7, 1024 * 1024);
    const shifted = Buffer.concat([bytes(9, 1234), data]);
    const common = pieces(data).filter((p) => new Set(pieces(shifted)).has(p));
    expect(common.length).toBeGreaterThan(pieces(data).length - 3);
  });
});
