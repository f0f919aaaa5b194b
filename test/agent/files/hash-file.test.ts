import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ContentHasher, hashFile } from "../../../agent/src/files/hash-file.ts";

const md5 = (s: string | Uint8Array) => createHash("md5").update(s).digest("hex");
const sha256 = (s: string | Uint8Array) => createHash("sha256").update(s).digest("hex");
const dir = mkdtempSync(join(tmpdir(), "anchorage-hash-"));

describe("hashing a file for comparison", () => {
  it("gives a Windows and a Unix copy of the same text the same MD5, and different SHA-256s", async () => {
    writeFileSync(join(dir, "unix.txt"), "one\ntwo\nthree\n");
    writeFileSync(join(dir, "windows.txt"), "one\r\ntwo\r\nthree\r\n");
    const unix = await hashFile(join(dir, "unix.txt"));
    const windows = await hashFile(join(dir, "windows.txt"));
    expect(unix).toEqual({ text: true, md5: md5("one\ntwo\nthree\n"), sha256: sha256("one\ntwo\nthree\n") });
    expect(windows.text).toBe(true);
    expect(windows.md5).toBe(unix.md5);
    expect(windows.sha256).not.toBe(unix.sha256);
  });

  it("keeps a lone CR, and only turns CR LF pairs into LF", async () => {
    writeFileSync(join(dir, "cr.txt"), "a\rb\r\n\r\rc\r");
    expect((await hashFile(join(dir, "cr.txt"))).md5).toBe(md5("a\rb\n\r\rc\r"));
  });

  it("hashes a binary file (a NUL in its first 8,000 bytes) byte for byte, CR LF included", async () => {
    const bytes = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x0d, 0x0a]);
    writeFileSync(join(dir, "image.png"), bytes);
    expect(await hashFile(join(dir, "image.png"))).toEqual({ text: false, md5: md5(bytes), sha256: sha256(bytes) });
  });

  it("decides text or binary on the first 8,000 bytes even when they arrive in small reads", async () => {
    const late = "x".repeat(7999) + "\0" + "\r\n";
    writeFileSync(join(dir, "late-nul.bin"), late);
    expect((await hashFile(join(dir, "late-nul.bin"), 100)).text).toBe(false);
    const tooLate = "x".repeat(8000) + "\0" + "\r\n";
    writeFileSync(join(dir, "text-with-late-nul.txt"), tooLate);
    const h = await hashFile(join(dir, "text-with-late-nul.txt"), 100);
    expect(h.text).toBe(true);
    expect(h.md5).toBe(md5("x".repeat(8000) + "\0" + "\n"));
  });

  it("normalizes the same way however the content is cut into pieces (a CR LF split across two)", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a", "\r", "\n", "é"), { maxLength: 40 }), fc.array(fc.nat(40), { maxLength: 10 }), (chars, cuts) => {
        // The first 8,000 bytes are held whole to tell text from binary; the pieces come after them.
        const sniffed = "x".repeat(8000);
        const bytes = new TextEncoder().encode(chars.join(""));
        const h = new ContentHasher();
        h.update(new TextEncoder().encode(sniffed));
        let at = 0;
        for (const cut of [...cuts].sort((x, y) => x - y)) {
          const to = Math.min(cut, bytes.length);
          if (to < at) continue;
          h.update(bytes.subarray(at, to));
          at = to;
        }
        h.update(bytes.subarray(at));
        const d = h.digest();
        expect(d.text).toBe(true);
        expect(d.md5).toBe(md5(sniffed + chars.join("").replaceAll("\r\n", "\n")));
        expect(d.sha256).toBe(sha256(sniffed + chars.join("")));
      }),
      { numRuns: 500 },
    );
  });
});
