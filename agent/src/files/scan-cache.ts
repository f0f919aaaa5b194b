import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { writePrivateFile } from "../home.ts";
import { isInside } from "../root-paths.ts";
import type { FileHashes } from "./hash-file.ts";

/** What identifies a file's content without reading it: if none of these moved, neither did the bytes. */
export type FileIdentity = { size: bigint; mtimeNs: bigint; ino: bigint };

/**
 * A file modified again within the same timestamp tick as our read would keep its mtime (Linux
 * stamps with a coarse clock; FAT counts in 2 s): hashes of files this fresh are not remembered.
 */
export const RACY_WINDOW_NS = 2_000_000_000n;

const entrySchema = z.tuple([z.string(), z.string(), z.string(), z.string(), z.string(), z.boolean()]); // size, mtime ns, inode, sha256, md5, text
const fileSchema = z.object({ version: z.literal(1), entries: z.record(z.string(), entrySchema) });

/**
 * The hash cache of scans (`<home>/scan-cache.json`): each file's hashes keyed by its real path
 * and its (size, mtime, inode), so a re-scan of an unchanged tree reads no file's content.
 * Written atomically (temp file + rename); a missing or damaged cache is just empty.
 */
export class ScanCache {
  private readonly file: string | null;
  private readonly entries: Map<string, z.infer<typeof entrySchema>>;
  private dirty = false;

  private constructor(file: string | null, entries: Record<string, z.infer<typeof entrySchema>>) {
    this.file = file;
    this.entries = new Map(Object.entries(entries));
  }

  static inHome(home: string): Promise<ScanCache> {
    return ScanCache.load(join(home, "scan-cache.json"));
  }

  /** Only in memory (no home to keep it in). */
  static ephemeral(): ScanCache {
    return new ScanCache(null, {});
  }

  static async load(file: string): Promise<ScanCache> {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return new ScanCache(file, {});
      throw e;
    }
    let parsed;
    try {
      parsed = fileSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = null;
    }
    // A damaged cache costs one full rehash, never a wrong answer.
    return new ScanCache(file, parsed?.success ? parsed.data.entries : {});
  }

  /** The remembered hashes, if the file is still exactly what was hashed. */
  get(path: string, id: FileIdentity): FileHashes | undefined {
    const e = this.entries.get(path);
    if (!e || e[0] !== String(id.size) || e[1] !== String(id.mtimeNs) || e[2] !== String(id.ino)) return undefined;
    return { sha256: e[3], md5: e[4], text: e[5] };
  }

  /** Remembers a file's hashes, unless its mtime is too close to `hashedAtNs` to be trusted. */
  set(path: string, id: FileIdentity, hashes: FileHashes, hashedAtNs: bigint): void {
    if (hashedAtNs - id.mtimeNs < RACY_WINDOW_NS) {
      if (this.entries.delete(path)) this.dirty = true;
      return;
    }
    this.entries.set(path, [String(id.size), String(id.mtimeNs), String(id.ino), hashes.sha256, hashes.md5, hashes.text]);
    this.dirty = true;
  }

  /** Forgets files under `dir` that a full scan of it did not see (deleted, or now excluded). */
  forgetUnseen(dir: string, seen: ReadonlySet<string>): void {
    for (const path of this.entries.keys()) {
      if (isInside(path, dir) && !seen.has(path)) {
        this.entries.delete(path);
        this.dirty = true;
      }
    }
  }

  async save(): Promise<void> {
    if (!this.file || !this.dirty) return;
    await writePrivateFile(this.file, JSON.stringify({ version: 1, entries: Object.fromEntries(this.entries) }));
    this.dirty = false;
  }
}
