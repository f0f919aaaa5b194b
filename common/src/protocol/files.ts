import { z } from "zod";
import { rpcErrorSchema } from "./messages.ts";
import { CHUNK_MAX_BYTES } from "../sync/fastcdc.ts";

/**
 * Files on an instance (issue #7, DESIGN.md "Sync"): what the DO asks the agent over a `call`
 * stream and what the agent answers. Every path is absolute and must lie under one of the
 * agent's project roots once symlinks are resolved; the agent checks again itself.
 *
 * A call travels as one stream rather than an RPC message because answers can be large (a
 * file's bytes, a scan of a big tree) and a control message is capped at MAX_CONTROL_BYTES:
 *   DO → agent: OPEN `{kind:"call", method, params}`, the request's bytes (a write's content), END.
 *   agent → DO: one HEAD DATA `{ok:true, result}` or `{ok:false, error}`, then the answer's bytes, END.
 */

/** Largest file read or written in one request: enough for source files, small enough to hold whole. */
export const FILE_MAX_BYTES = 1024 * 1024;
/** A scan of more files than this is refused (the DO holds two scans in memory to compare them). */
export const MAX_SCAN_FILES = 100_000;
/** A directory listing stops here, and says so. */
export const MAX_BROWSE_ENTRIES = 5_000;
/** Where the agent keeps the previous content of a file it overwrites, inside that file's root. */
export const BACKUP_DIR = ".anchorage-backups";
/** Excluded from every scan whatever the config says: backups are never compared or synced. */
export const ALWAYS_EXCLUDED = [`/${BACKUP_DIR}/**`] as const;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
/** A sync operation's id (`<source instance id>.<random>`): names the agent's staging folder, so no `/`. */
export const operationIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}\.[A-Za-z0-9_-]{8,64}$/);

/** An absolute path on the instance; `..` is refused outright, symlinks are judged by the agent. */
export const instancePathSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes("\0"), "must not contain NUL")
  .refine((p) => p.startsWith("/"), "must be an absolute path on the instance")
  .refine((p) => !p.split("/").includes(".."), "must not contain ..");

/** A glob (picomatch): `node_modules/**` excludes node_modules at any depth; a leading `/` anchors it to the scanned folder. */
export const excludeGlobSchema = z.string().min(1).max(300).refine((g) => !g.includes("\0"), "must not contain NUL");

/** Files (or chunks) in one batch call: a sync of many small files costs a few calls per batch, not per file. */
export const MAX_BATCH_FILES = 1000;
const chunkReadSchema = z.strictObject({ path: instancePathSchema, offset: z.number().int().min(0), length: z.number().int().min(1).max(CHUNK_MAX_BYTES), sha256: sha256Hex });
const assembleFileSchema = z.strictObject({
  path: instancePathSchema,
  size: z.number().int().min(0),
  sha256: sha256Hex,
  mode: z.number().int().min(0).max(0o7777),
  mtime_ms: z.number(),
  chunks: z.array(sha256Hex).max(1_000_000),
});

/**
 * One entry a sync writes that is not a file's content (rsync -a's meaning): a folder created
 * (empty ones too), a symlink created as a link (atomically, refused when it would lead outside
 * the roots), or a file's, folder's or link's mode and mtime set (a touch-only change).
 */
export const applyEntrySchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("directory"), path: instancePathSchema, mode: z.number().int().min(0).max(0o7777) }),
  z.strictObject({ kind: z.literal("symlink"), path: instancePathSchema, target: z.string().min(1).max(4096).refine((t) => !t.includes("\0"), "must not contain NUL"), mtime_ms: z.number() }),
  /** On a symlink only the mtime is set (a link has no mode of its own on Linux). */
  z.strictObject({ kind: z.literal("metadata"), path: instancePathSchema, mode: z.number().int().min(0).max(0o7777).optional(), mtime_ms: z.number() }),
]);
export type ApplyEntry = z.infer<typeof applyEntrySchema>;

export const fileCallParams = {
  "files.folders": z.strictObject({}),
  "files.browse": z.strictObject({ path: instancePathSchema }),
  "files.read": z.strictObject({ path: instancePathSchema, max_bytes: z.number().int().min(1).max(FILE_MAX_BYTES).default(FILE_MAX_BYTES) }),
  /** The content is the stream's bytes; `size` is how many the agent must receive. */
  "files.write": z.strictObject({
    path: instancePathSchema,
    size: z.number().int().min(0).max(FILE_MAX_BYTES),
    /** Write only over this content (the SHA-256 a read answered), else E-PRECONDITION: no edit is lost to a concurrent one. */
    if_match: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    /** Create only: E-PRECONDITION if the file exists. */
    create_only: z.boolean().default(false),
  }),
  "files.scan": z.strictObject({
    path: instancePathSchema,
    /** Added to the agent's own `sync.exclude`, which always applies. */
    exclude: z.array(excludeGlobSchema).max(200).default([]),
    /** Rehash every file instead of trusting the cache. */
    verify: z.boolean().default(false),
  }),
  // ── transfers (sync): see common/src/sync/fastcdc.ts ──
  /** A file's content-defined chunks; the answer is the stream's bytes (JSON of fileChunksSchema). */
  "files.chunks": z.strictObject({ path: instancePathSchema }),
  /** One chunk's bytes, refused (E-CONFLICT) unless they still hash to `sha256`. */
  "files.chunk.read": chunkReadSchema,
  /**
   * Which of these chunks the agent already holds for this operation. `seed` names files already
   * at the destination (the older copies a sync replaces): the agent cuts them with the same
   * chunker first and stages the wanted chunks they contain, so a change in the middle of a large
   * file downloads only the chunks around it (rsync's delta transfer). Best effort: a seed that is
   * missing or unreadable is skipped; every staged chunk is checked against its hash.
   */
  "files.stage.have": z.strictObject({
    operation: operationIdSchema,
    chunks: z.array(sha256Hex).max(100_000),
    seed: z.array(instancePathSchema).max(MAX_BATCH_FILES).default([]),
  }),
  /** The stream's bytes are one chunk, kept for this operation if they hash to `sha256`. */
  "files.stage.put": z.strictObject({ operation: operationIdSchema, sha256: sha256Hex }),
  /** Forgets an operation's staged chunks. */
  "files.stage.clear": z.strictObject({ operation: operationIdSchema }),
  /** Writes a file from staged chunks: temp file in the same folder, whole hash checked, old content backed up, rename, mode and mtime set. */
  "files.assemble": z.strictObject({ operation: operationIdSchema, ...assembleFileSchema.shape }),
  /** Moves a file into the root's backup folder (a sync's deletion). */
  "files.remove": z.strictObject({ path: instancePathSchema }),
  // ── transfers in batches: many small files in one call each way (the same checks, file by file) ──
  /** Several files' chunk lists; the answer's bytes are a JSON array of fileChunksSchema, in order. */
  "files.chunks.many": z.strictObject({ paths: z.array(instancePathSchema).min(1).max(MAX_BATCH_FILES) }),
  /** Several chunks' bytes, one after another (at most CHUNK_MAX_BYTES in all), each refused unless it still hashes to its `sha256`. */
  "files.chunk.read.many": z.strictObject({
    reads: z.array(chunkReadSchema).min(1).max(MAX_BATCH_FILES).refine((r) => r.reduce((n, c) => n + c.length, 0) <= CHUNK_MAX_BYTES, `at most ${CHUNK_MAX_BYTES} bytes per call`),
  }),
  /** The stream's bytes are these chunks one after another (at most CHUNK_MAX_BYTES in all), each kept if it hashes to its `sha256`. */
  "files.stage.put.many": z.strictObject({
    operation: operationIdSchema,
    chunks: z.array(z.strictObject({ sha256: sha256Hex, length: z.number().int().min(1).max(CHUNK_MAX_BYTES) })).min(1).max(MAX_BATCH_FILES)
      .refine((cs) => cs.reduce((n, c) => n + c.length, 0) <= CHUNK_MAX_BYTES, `at most ${CHUNK_MAX_BYTES} bytes per call`),
  }),
  /** Several files assembled like files.assemble, each on its own (temp file, hash, backup, rename). */
  "files.assemble.many": z.strictObject({ operation: operationIdSchema, files: z.array(assembleFileSchema).min(1).max(MAX_BATCH_FILES) }),
  /** Folders, symlinks and metadata, each on its own: a refused entry is answered `skipped` with why, the others are still done. */
  "files.apply.many": z.strictObject({ entries: z.array(applyEntrySchema).min(1).max(MAX_BATCH_FILES) }),
  // ── a file manager (issue #21): also the REST bodies of POST …/mkdir and POST …/rename ──
  /**
   * Creates one folder. A missing parent is E-NOT-FOUND unless `parents` (then every missing
   * folder on the way is made, like mkdir -p); anything already at `path` is E-CONFLICT.
   */
  "files.mkdir": z.strictObject({ path: instancePathSchema, parents: z.boolean().default(false) }),
  /**
   * Renames or moves a file, folder or symlink (the entry itself, never what a link points to)
   * to a place under the roots, atomically (rename(2)). Never replaces: something at `to` is
   * E-CONFLICT; so is `to` on another file system (no half copy). A root is never moved.
   */
  "files.rename": z.strictObject({ from: instancePathSchema, to: instancePathSchema }),
  /**
   * Deletes a file, symlink or whole folder by moving it into its root's backup folder
   * (`<root>/.anchorage-backups/<path>.<UTC time>`, expired after `sync.backup_days`), so nothing
   * is lost at once. A root, the backup folder and what is in it are refused.
   */
  "files.delete": z.strictObject({ path: instancePathSchema }),
} as const;
export type FileCallMethod = keyof typeof fileCallParams;
export const fileCallMethodSchema = z.enum(Object.keys(fileCallParams) as [FileCallMethod, ...FileCallMethod[]]);
export type FileCallParams<M extends FileCallMethod> = z.input<(typeof fileCallParams)[M]>;

/** The OPEN of a call stream. */
export const callOpenSchema = z.object({ kind: z.literal("call"), method: fileCallMethodSchema, params: z.unknown() });

/** The first DATA (HEAD flag) the agent sends back on a call stream. */
export const callHeadSchema = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: rpcErrorSchema }),
]);
export type CallHead = z.infer<typeof callHeadSchema>;

// ── answers ────────────────────────────────────────────────────────────────

const isoTime = z.string();
/** Permission bits (st_mode & 0o7777), e.g. 420 for 0644. */
const mode = z.number().int().min(0).max(0o7777);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const md5 = z.string().regex(/^[0-9a-f]{32}$/);

export const foldersResultSchema = z.object({
  roots: z.array(z.object({ path: z.string(), exists: z.boolean() })),
});

export const dirEntrySchema = z.object({
  name: z.string(),
  type: z.enum(["file", "directory", "symlink", "other"]),
  size: z.number().int().nonnegative(),
  mtime: isoTime,
  mode,
});
export type DirEntry = z.infer<typeof dirEntrySchema>;

export const browseResultSchema = z.object({ path: z.string(), entries: z.array(dirEntrySchema), truncated: z.boolean() });

/** What a read answers beside the bytes (and what the REST route sends as headers). */
export const readResultSchema = z.object({ path: z.string(), size: z.number().int().nonnegative(), mtime: isoTime, mode, sha256 });

export const writeResultSchema = z.object({
  path: z.string(),
  size: z.number().int().nonnegative(),
  mode,
  sha256,
  /** False when an existing file was replaced (its previous content is at `backup`). */
  created: z.boolean(),
  backup: z.string().nullable(),
});
export type WriteResult = z.infer<typeof writeResultSchema>;

/** One file of a scan. `md5` is of the content with CRLF → LF when `text`, of the raw bytes otherwise. */
export const scanFileSchema = z.object({
  path: z.string(), // relative to the scanned folder, `/`-separated
  size: z.number().int().nonnegative(),
  mtime_ms: z.number(),
  mode,
  sha256,
  md5,
  text: z.boolean(),
});
export type ScanFile = z.infer<typeof scanFileSchema>;

/** A symbolic link of a scan, not followed: `target` is what readlink answers, as written (relative or absolute). */
export const scanLinkSchema = z.object({
  path: z.string(), // relative to the scanned folder, `/`-separated
  target: z.string().min(1).max(4096),
  mtime_ms: z.number(),
});
export type ScanLink = z.infer<typeof scanLinkSchema>;

/** A folder of a scan (every one, empty or not), so a sync can create empty folders and set their mode and mtime. */
export const scanDirSchema = z.object({
  path: z.string(), // relative to the scanned folder, `/`-separated; never "" (the folder itself)
  mode,
  mtime_ms: z.number(),
});
export type ScanDir = z.infer<typeof scanDirSchema>;

export const scanResultSchema = z.object({
  root: z.string(),
  files: z.array(scanFileSchema),
  /** Symlinks (rsync -a copies them as links); an agent older than this field sends none. */
  links: z.array(scanLinkSchema).default([]),
  /** Folders under the scanned one, parents before children. */
  dirs: z.array(scanDirSchema).default([]),
  /**
   * The real paths of the scanning agent's project roots and of the scanned folder: a compare
   * judges a source link by where it would lead at the destination (its writer checks again).
   */
  confinement: z.object({ real: z.string(), roots: z.array(z.string()) }).optional(),
  /** Files and folders left out by an exclusion. */
  excluded: z.number().int().nonnegative(),
  /** Entries not scanned, and why (sockets, devices, unreadable files); at most the first 1,000. */
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
  /** Files whose contents were read this time (the rest came from the hash cache). */
  hashed: z.number().int().nonnegative(),
});
export type ScanResult = z.infer<typeof scanResultSchema>;

export const mkdirResultSchema = z.object({ path: z.string() });
export const renameResultSchema = z.object({ from: z.string(), to: z.string() });
export const deleteResultSchema = z.object({
  path: z.string(),
  /** What was there (a symlink is deleted as a link, its target left alone). */
  type: dirEntrySchema.shape.type,
  /** Where it is now: under the root's backup folder, until backups expire. */
  backup: z.string(),
});
export type DeleteResult = z.infer<typeof deleteResultSchema>;

export const fileCallResults = {
  "files.folders": foldersResultSchema,
  "files.browse": browseResultSchema,
  "files.read": readResultSchema,
  "files.write": writeResultSchema,
  /** A scan's head carries nothing; its answer is the stream's bytes (JSON of scanResultSchema), too large for a head. */
  "files.scan": z.null(),
  "files.chunks": z.null(),
  "files.chunk.read": z.null(),
  "files.stage.have": z.object({ have: z.array(sha256) }),
  "files.stage.put": z.null(),
  "files.stage.clear": z.null(),
  "files.assemble": z.object({ path: z.string(), created: z.boolean(), backup: z.string().nullable() }),
  "files.remove": z.object({ path: z.string(), backup: z.string() }),
  "files.chunks.many": z.null(),
  "files.chunk.read.many": z.null(),
  "files.stage.put.many": z.null(),
  "files.assemble.many": z.object({ files: z.array(z.object({ path: z.string(), created: z.boolean(), backup: z.string().nullable() })) }),
  "files.apply.many": z.object({ results: z.array(z.union([z.object({ path: z.string(), done: z.literal(true) }), z.object({ path: z.string(), skipped: z.string() })])) }),
  "files.mkdir": mkdirResultSchema,
  "files.rename": renameResultSchema,
  "files.delete": deleteResultSchema,
} as const satisfies Record<FileCallMethod, z.ZodType>;
export type FileCallResult<M extends FileCallMethod> = z.infer<(typeof fileCallResults)[M]>;

/** A file's chunks, in order, with the whole file's SHA-256 (R2's multipart ETag is not it: we keep our own). */
export const fileChunksSchema = z.object({
  size: z.number().int().nonnegative(),
  mode,
  mtime_ms: z.number(),
  sha256,
  chunks: z.array(z.object({ offset: z.number().int().nonnegative(), length: z.number().int().positive(), sha256 })),
});
export type FileChunks = z.infer<typeof fileChunksSchema>;

// ── comparing two trees ────────────────────────────────────────────────────

export const compareStatusSchema = z.enum(["identical", "different", "new", "only_destination", "destination_newer"]);
export type CompareStatus = z.infer<typeof compareStatusSchema>;

const compareSide = scanFileSchema.omit({ path: true });
export const compareEntrySchema = z.object({
  path: z.string(),
  status: compareStatusSchema,
  source: compareSide.nullable(),
  destination: compareSide.nullable(),
  /**
   * On an `identical` file whose mtime or mode differ (a touch, a chmod): a sync sets the
   * destination's mtime and mode to the source's and moves no content (rsync -a's meaning).
   */
  metadata_only: z.literal(true).optional(),
});
export type CompareEntry = z.infer<typeof compareEntrySchema>;

/** A symlink of either tree: `new`, `identical` (same target), `different` (another target) or `only_destination`. */
export const compareLinkSchema = z.object({
  path: z.string(),
  status: z.enum(["identical", "different", "new", "only_destination"]),
  source: scanLinkSchema.omit({ path: true }).nullable(),
  destination: scanLinkSchema.omit({ path: true }).nullable(),
  /** The link's mtime differs: a sync sets it (the target being the same, nothing else changes). */
  metadata_only: z.literal(true).optional(),
});
export type CompareLink = z.infer<typeof compareLinkSchema>;

/** A folder of either tree: `new` folders are created (empty ones included); `metadata_only` ones get the source's mode and mtime. */
export const compareDirSchema = z.object({
  path: z.string(),
  status: z.enum(["identical", "new", "only_destination"]),
  source: scanDirSchema.omit({ path: true }).nullable(),
  destination: scanDirSchema.omit({ path: true }).nullable(),
  metadata_only: z.literal(true).optional(),
});
export type CompareDir = z.infer<typeof compareDirSchema>;

/** An entry a sync leaves alone, and why (a link leading outside the destination's roots, a socket, a file where the other side has a folder…). */
export const skippedEntrySchema = z.object({
  path: z.string(),
  side: z.enum(["source", "destination"]),
  reason: z.string(),
});
export type SkippedEntry = z.infer<typeof skippedEntrySchema>;

/** The Cloud Manager's body (DESIGN.md, Contracts: Sync), shared by compare and (later) sync. */
export const crossInstanceRequestSchema = z.strictObject({
  sourceInstanceId: z.string().min(1).max(64),
  destinationInstanceId: z.string().min(1).max(64),
  sourcePath: instancePathSchema,
  targetPath: instancePathSchema,
  options: z
    .strictObject({
      exclude: z.array(excludeGlobSchema).max(200).default([]),
      /** Meaningful to a sync (remove what is only on the destination); a compare lists such files either way. */
      delete: z.boolean().default(false),
      verify: z.boolean().default(false),
    })
    .default({ exclude: [], delete: false, verify: false }),
});
export type CrossInstanceRequest = z.infer<typeof crossInstanceRequestSchema>;

export const compareResultSchema = z.object({
  source: z.object({ instance_id: z.string(), path: z.string(), files: z.number().int() }),
  destination: z.object({ instance_id: z.string(), path: z.string(), files: z.number().int() }),
  summary: z.record(compareStatusSchema, z.number().int()),
  files: z.array(compareEntrySchema),
  /** Symlinks, copied as symlinks (these three are always sent; optional for a result built by hand or by an older server). */
  links: z.array(compareLinkSchema).optional(),
  /** Folders, created when new (an empty one too), their mode and mtime set. */
  directories: z.array(compareDirSchema).optional(),
  /** Everything a sync would leave alone, with why: nothing is dropped without a word. */
  skipped: z.array(skippedEntrySchema).optional(),
});
export type CompareResult = z.infer<typeof compareResultSchema>;
