/**
 * Content-defined chunking (FastCDC, Xia et al., USENIX ATC '16): chunk boundaries depend on the
 * bytes around them, not on offsets, so an edit in the middle of a large file changes only the
 * chunks near it and every other chunk keeps its SHA-256 (and is not sent again). Pure: the
 * agent runs it over a file as it reads it, tests run it on anything.
 */

/** No chunk is shorter (except a file's last), none longer; boundaries aim at AVG. */
export const CHUNK_MIN_BYTES = 16 * 1024;
export const CHUNK_AVG_BYTES = 64 * 1024;
export const CHUNK_MAX_BYTES = 256 * 1024;

/** The gear table: 256 fixed pseudo-random 32-bit values (splitmix32 from a constant seed), the same everywhere. */
const GEAR: Uint32Array = (() => {
  const table = new Uint32Array(256);
  let seed = 0x9e3779b9;
  for (let i = 0; i < 256; i++) {
    seed = (seed + 0x9e3779b9) >>> 0;
    let z = seed;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    table[i] = (z ^ (z >>> 16)) >>> 0;
  }
  return table;
})();

// Normalized chunking: a harder mask (more bits) before the average size, an easier one after,
// so sizes cluster around AVG. Masks take the hash's high bits, which depend on the last 32 bytes.
const highBits = (n: number) => (0xffffffff << (32 - n)) >>> 0;
const MASK_HARD = highBits(18); // log2(AVG) + 2
const MASK_EASY = highBits(14); // log2(AVG) - 2

/**
 * The length of the chunk that starts at `data[0]`. `data` holds at least CHUNK_MAX_BYTES bytes,
 * or everything left of the input (its end): the answer never looks further than CHUNK_MAX_BYTES.
 */
export function cutPoint(data: Uint8Array): number {
  const n = Math.min(data.length, CHUNK_MAX_BYTES);
  if (n <= CHUNK_MIN_BYTES) return n;
  const normal = Math.min(n, CHUNK_AVG_BYTES);
  let hash = 0;
  let i = CHUNK_MIN_BYTES;
  for (; i < normal; i++) {
    hash = ((hash << 1) + GEAR[data[i]!]!) >>> 0;
    if ((hash & MASK_HARD) === 0) return i + 1;
  }
  for (; i < n; i++) {
    hash = ((hash << 1) + GEAR[data[i]!]!) >>> 0;
    if ((hash & MASK_EASY) === 0) return i + 1;
  }
  return n;
}

/** Every chunk of a buffer, as [offset, length], in order. */
export function chunkBoundaries(data: Uint8Array): Array<[offset: number, length: number]> {
  const out: Array<[number, number]> = [];
  for (let at = 0; at < data.length; ) {
    const len = cutPoint(data.subarray(at));
    out.push([at, len]);
    at += len;
  }
  return out;
}
