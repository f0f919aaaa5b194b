import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { createHash, type Hash } from "node:crypto";

export type FileHashes = { sha256: string; md5: string; text: boolean };

/** Git's test: a file with a NUL in its first 8,000 bytes is binary. */
const SNIFF_BYTES = 8000;
const CR = 0x0d;
const LF = 0x0a;

/**
 * The SHA-256 of a file's bytes, and an MD5 that two copies of the same text share whatever their
 * line endings: for a text file it is taken over the content with CRLF → LF, for a binary file over
 * the bytes as they are (a CR LF inside an image is data, not a line ending). The file is read once,
 * in chunks, never whole.
 */
export async function hashFile(path: string, chunkBytes = 256 * 1024): Promise<FileHashes> {
  // O_NOFOLLOW: the scan decided on what lstat saw; a symlink swapped in since is not followed.
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const hasher = new ContentHasher();
    const buf = new Uint8Array(chunkBytes);
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      hasher.update(buf.subarray(0, bytesRead));
    }
    return hasher.digest();
  } finally {
    await handle.close();
  }
}

/** The hashes of bytes fed in pieces of any size (a CRLF split across two pieces still counts as one line ending). */
export class ContentHasher {
  private readonly sha = createHash("sha256");
  private readonly md5: Hash = createHash("md5");
  private text: boolean | undefined;
  private sniffed: Uint8Array[] = [];
  private sniffedBytes = 0;
  private pendingCr = false;

  update(chunk: Uint8Array): void {
    this.sha.update(chunk);
    if (this.text !== undefined) return this.feed(chunk);
    // Hold the first bytes until there are enough to tell text from binary.
    this.sniffed.push(chunk.slice());
    this.sniffedBytes += chunk.length;
    if (this.sniffedBytes >= SNIFF_BYTES) this.decide();
  }

  digest(): FileHashes {
    if (this.text === undefined) this.decide();
    if (this.pendingCr) this.md5.update(Uint8Array.of(CR));
    return { sha256: this.sha.digest("hex"), md5: this.md5.digest("hex"), text: this.text! };
  }

  private decide() {
    const head = concat(this.sniffed);
    this.text = !head.subarray(0, SNIFF_BYTES).includes(0);
    this.sniffed = [];
    this.feed(head);
  }

  private feed(chunk: Uint8Array) {
    if (chunk.length === 0) return;
    if (!this.text) return void this.md5.update(chunk);
    let start = 0;
    if (this.pendingCr) {
      // The previous piece ended in CR: it was a line ending only if this one starts with LF.
      if (chunk[0] !== LF) this.md5.update(Uint8Array.of(CR));
      this.pendingCr = false;
    }
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] !== CR) continue;
      if (i === chunk.length - 1) {
        this.md5.update(chunk.subarray(start, i));
        this.pendingCr = true;
        return;
      }
      if (chunk[i + 1] === LF) {
        this.md5.update(chunk.subarray(start, i)); // drop the CR, keep the LF
        start = i + 1;
      }
    }
    this.md5.update(chunk.subarray(start));
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
