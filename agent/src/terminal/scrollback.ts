/**
 * The last `capacity` bytes a terminal wrote, addressed by absolute byte offset (the count of
 * bytes the shell has written since it started), so a reattaching client asks for "everything
 * after byte N" and gets exactly what it missed, or the oldest that is still held.
 */
export class Scrollback {
  readonly capacity: number;
  private chunks: Uint8Array[] = [];
  private held = 0;
  /** Offset of the first byte still held. */
  start = 0;
  /** Offset just past the last byte written (the total ever written). */
  end = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  append(bytes: Uint8Array) {
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.held += bytes.length;
    this.end += bytes.length;
    while (this.held > this.capacity) {
      const first = this.chunks[0]!;
      const excess = this.held - this.capacity;
      if (first.length <= excess) {
        this.chunks.shift();
        this.held -= first.length;
        this.start += first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.held -= excess;
        this.start += excess;
      }
    }
  }

  /** The bytes from `offset` on (clamped to what is held), and the offset they start at. */
  since(offset: number): { from: number; bytes: Uint8Array } {
    const from = Math.min(Math.max(offset, this.start), this.end);
    const out = new Uint8Array(this.end - from);
    let pos = this.start;
    let w = 0;
    for (const c of this.chunks) {
      const cEnd = pos + c.length;
      if (cEnd > from) {
        const part = c.subarray(Math.max(0, from - pos));
        out.set(part, w);
        w += part.length;
      }
      pos = cEnd;
    }
    return { from, bytes: out };
  }
}
