import { resolve } from "node:path";
import { z } from "zod";
import type { CompareResult, CrossInstanceRequest, ScanResult } from "@anchorage/common/protocol/files";
import { compareTrees, summarize } from "@anchorage/common/sync/compare-scans";
import { homePaths, readCredential } from "../home.ts";
import { getJson, postJson, ServerError, socketUrl } from "../server-api.ts";
import { resolveInstances } from "./instance-ref.ts";
import { formatBytes, formatDuration, RateMeter, renderProgressBar, renderProgressLine, type SyncProgress } from "./sync-progress.ts";

export type SyncCommandOptions = {
  /** `<instance>:<path>`: an instance id or name, or `.`/`local` for this machine. */
  source: string;
  destination: string;
  home?: string;
  token?: string;
  delete: boolean;
  exclude: string[];
  dryRun: boolean;
};

type Out = { write(s: string): unknown; isTTY?: boolean; columns?: number };
export type SyncIo = { stdout: Out; stderr: Out; now: () => number };

/** The fields of a sync's status (GET /api/cloud/sync/operations/:id) and of its `cloud:sync-activity` events that the command reads. */
const progressSchema = z.object({
  state: z.enum(["running", "done", "failed", "cancelled"]),
  files: z.object({ total: z.number(), done: z.number() }),
  /** Folders, symlinks and metadata-only changes (a server older than them sends none). */
  entries: z.object({ total: z.number(), done: z.number() }).optional(),
  bytes: z.object({ total: z.number(), uploaded: z.number(), downloaded: z.number(), written: z.number().optional() }),
  skipped: z.array(z.object({ path: z.string(), side: z.string(), reason: z.string() })).optional(),
  error: z.string().optional(),
});
type Progress = z.infer<typeof progressSchema>;
const activitySchema = progressSchema.extend({ type: z.literal("cloud:sync-activity"), operationId: z.string() });

/** Exit codes: 0 done, 1 failed or cancelled elsewhere, 130 interrupted here (Ctrl-C; the sync is cancelled first). */
export const SYNC_EXIT = { done: 0, failed: 1, interrupted: 130 } as const;

/** How long the event socket may stay silent before the status is asked once (a sync reports after every file). */
const QUIET_CHECK_MS = 15_000;
/** The scan of a big tree happens before the start is answered; a scan has 10 minutes. */
const START_TIMEOUT_MS = 11 * 60_000;

/**
 * `anchorage sync <src>:<path> <dst>:<path>`: a cross-instance sync (POST /api/cloud/sync/cross-instance)
 * made and followed from a terminal. The server comes from this machine's anchoring (--home); the
 * caller is a person's API token with `read` and `sync` on both instances: the machine's own
 * credential proves which instance connects, not who is asking, so it cannot start a sync.
 * Progress follows the /api/events socket (cloud:sync-activity); the status is asked only when
 * the socket is down or silent for 15 s.
 */
export async function sync(opts: SyncCommandOptions, io: SyncIo = { stdout: process.stdout, stderr: process.stderr, now: Date.now }): Promise<number> {
  const paths = homePaths(opts.home);
  const credential = await readCredential(paths.credential);
  if (!credential) throw new Error(`this machine is not anchored (no ${paths.credential}): sync takes the server's address from an anchored --home`);
  if (!opts.token) {
    throw new Error("sync needs --token (or ANCHORAGE_TOKEN): an API token with read and sync on both instances; this machine's own credential identifies the instance, not a person, and cannot start a sync");
  }
  const base = credential.url;
  const auth = { authorization: `Bearer ${opts.token}` };
  const src = parseEndpoint(opts.source);
  const dst = parseEndpoint(opts.destination);
  const ids = await resolveInstances([src.instance, dst.instance], base, auth, { id: credential.instance_id, isSelf: isLocal });
  const body: CrossInstanceRequest = {
    sourceInstanceId: ids[0]!,
    destinationInstanceId: ids[1]!,
    sourcePath: localPath(src),
    targetPath: localPath(dst),
    options: { exclude: opts.exclude, delete: opts.delete, verify: false },
  };

  if (opts.dryRun) {
    io.stdout.write(describeDryRun(await compareForDryRun(base, auth, body), opts.delete));
    return SYNC_EXIT.done;
  }

  // The socket opens before the sync starts, so not one of its events is missed.
  const events = await openEvents(base, opts.token).catch(() => null);
  try {
    const started = await postJson<{ operationId: string }>(base, "/api/cloud/sync/cross-instance", body, auth, START_TIMEOUT_MS);
    return await follow(started.operationId, { base, auth, events, io });
  } finally {
    events?.close();
  }
}

/** `box:/srv/app` → { instance: "box", path: "/srv/app" }. The first colon splits: paths may hold colons, instance names may not. */
export function parseEndpoint(spec: string): { instance: string; path: string } {
  const at = spec.indexOf(":");
  if (at <= 0 || at === spec.length - 1) throw new Error(`"${spec}" is not <instance>:<path> (an instance id or name, or . for this machine; then a folder)`);
  return { instance: spec.slice(0, at), path: spec.slice(at + 1) };
}

const isLocal = (instance: string) => instance === "." || instance === "local";

/** A path on this machine may be relative to the current folder; on another instance it must be absolute (the server says so). */
function localPath(e: { instance: string; path: string }): string {
  return isLocal(e.instance) ? resolve(e.path) : e.path;
}


/**
 * The compare a sync would start from. A compare refuses a missing destination folder, but a sync
 * creates it; then the source's scan against an empty tree is what the sync would do.
 */
async function compareForDryRun(base: string, auth: Record<string, string>, body: CrossInstanceRequest): Promise<CompareResult> {
  try {
    return await postJson<CompareResult>(base, "/api/cloud/sync/compare-cross-instance", body, auth, START_TIMEOUT_MS);
  } catch (e) {
    if (!(e instanceof ServerError && e.status === 404 && e.message.startsWith("destination "))) throw e;
    const scan = await postJson<ScanResult>(base, `/api/cloud/instance/${encodeURIComponent(body.sourceInstanceId)}/scan`, { path: body.sourcePath, exclude: body.options.exclude }, auth, START_TIMEOUT_MS);
    const tree = compareTrees(scan, { files: [], skipped: [] });
    return {
      source: { instance_id: body.sourceInstanceId, path: body.sourcePath, files: scan.files.length },
      destination: { instance_id: body.destinationInstanceId, path: body.targetPath, files: 0 },
      summary: summarize(tree.files),
      ...tree,
    };
  }
}

/**
 * What a sync would do, as rsync -a means it: a line per file it would send or remove (`t` for a
 * file whose mtime or mode only are set), per folder it would create (`+d`), per symlink it would
 * make (`+l`, `~l`), per entry it would leave alone and why (`skip`), then the counts.
 */
export function describeDryRun(r: Omit<CompareResult, "links" | "directories" | "skipped"> & Partial<Pick<CompareResult, "links" | "directories" | "skipped">>, withDelete: boolean): string {
  const mark = { new: "+", different: "~", destination_newer: "!", only_destination: "-" } as const;
  const lines: string[] = [];
  for (const d of r.directories ?? []) if (d.status === "new") lines.push(`+d ${d.path}/`);
  for (const f of r.files) {
    if (f.status === "identical") {
      if (f.metadata_only) lines.push(`t ${f.path}  (same content: only its ${metadataWords(f.source, f.destination)} set)`);
      continue;
    }
    if (f.status === "only_destination" && !withDelete) continue;
    lines.push(`${mark[f.status]} ${f.path}${f.status === "destination_newer" ? "  (newer on the destination: its copy is backed up first)" : ""}`);
  }
  for (const l of r.links ?? []) {
    if (l.status === "new" || l.status === "different") lines.push(`${l.status === "new" ? "+l" : "~l"} ${l.path} -> ${l.source!.target}`);
    else if (l.metadata_only) lines.push(`t ${l.path}  (symlink: only its mtime set)`);
  }
  for (const k of r.skipped ?? []) lines.push(`skip ${k.path} (${k.side}): ${k.reason}`);
  const s = r.summary;
  const bytes = r.files.reduce((n, f) => n + (f.status === "new" || f.status === "different" || f.status === "destination_newer" ? (f.source?.size ?? 0) : 0), 0);
  const touched = r.files.filter((f) => f.metadata_only).length;
  const links = (r.links ?? []).filter((l) => l.status === "new" || l.status === "different").length;
  const folders = (r.directories ?? []).filter((d) => d.status === "new").length;
  const folderMeta = (r.directories ?? []).filter((d) => d.metadata_only).length;
  lines.push(
    `dry run: ${s.new} new, ${s.different} different, ${s.destination_newer} newer on the destination, ${s.identical - touched} identical, ` +
      `${touched} with only mtime or mode changed, ` +
      `${s.only_destination} only on the destination${withDelete ? " (removed into the backup folder)" : " (kept; --delete removes them)"}; ` +
      `${s.new + s.different + s.destination_newer} files, ${formatBytes(bytes)} to send; ${folders} folders to create, ${links} symlinks to make, ` +
      `${folderMeta} folders' mode or mtime to set; ${(r.skipped ?? []).length} skipped. Nothing was changed.`,
  );
  return `${lines.join("\n")}\n`;
}

function metadataWords(a: { mode: number; mtime_ms: number } | null, b: { mode: number; mtime_ms: number } | null): string {
  const words = [a?.mtime_ms !== b?.mtime_ms ? "mtime" : null, a?.mode !== b?.mode ? "mode" : null].filter(Boolean);
  return words.join(" and ");
}

type EventSocket = { next: () => Progress | null; live: () => boolean; onNews: (f: () => void) => void; close: () => void; filter: (operationId: string) => void };

/** The caller's /api/events socket (Bearer), holding the latest cloud:sync-activity of one operation. */
function openEvents(base: string, token: string): Promise<EventSocket> {
  return new Promise((resolveOpen, reject) => {
    // Node's WebSocket (undici) takes headers as its second argument's `headers`.
    const ws = new WebSocket(socketUrl(base, "/api/events"), { headers: { authorization: `Bearer ${token}` } } as unknown as string[]);
    const early: z.infer<typeof activitySchema>[] = [];
    let operation: string | null = null;
    let latest: Progress | null = null;
    let news = () => {};
    const timer = setTimeout(() => (ws.close(), reject(new Error("the event socket did not open"))), 10_000);
    ws.addEventListener("open", () => {
      clearTimeout(timer);
      resolveOpen({
        next: () => latest,
        live: () => ws.readyState === WebSocket.OPEN,
        onNews: (f) => (news = f),
        close: () => ws.close(),
        filter: (id) => {
          operation = id;
          for (const e of early) if (e.operationId === id) latest = e;
          early.length = 0;
          if (latest) news();
        },
      });
    });
    ws.addEventListener("error", () => reject(new Error("the event socket failed")));
    ws.addEventListener("message", (m) => {
      let parsed;
      try {
        parsed = activitySchema.safeParse(JSON.parse(String(m.data)));
      } catch {
        return;
      }
      if (!parsed.success) return; // another kind of event
      // Events may come before the start's answer names the operation: keep them until then.
      if (operation === null) early.push(parsed.data);
      else if (parsed.data.operationId === operation) {
        latest = parsed.data;
        news();
      }
    });
  });
}

/**
 * Bytes done: the size of the files written, or (inside a large file, which is written at its end)
 * the bytes downloaded so far. Downloaded bytes alone end short of 100 % ("57% … ETA 0:00"):
 * chunks the destination already held (seeded from its older copies, staged before a cut, shared
 * by two files) are never downloaded.
 */
function bytesDone(p: Progress): number {
  return Math.max(p.bytes.written ?? 0, p.bytes.downloaded);
}

/** Follows the operation to its end, showing progress on stderr; Ctrl-C cancels it. */
async function follow(operationId: string, ctx: { base: string; auth: Record<string, string>; events: EventSocket | null; io: SyncIo }): Promise<number> {
  const { base, auth, events, io } = ctx;
  const statusPath = `/api/cloud/sync/operations/${encodeURIComponent(operationId)}`;
  const tty = Boolean(io.stderr.isTTY);
  const started = io.now();
  const meter = new RateMeter();
  let progress: Progress = { state: "running", files: { total: 0, done: 0 }, bytes: { total: 0, uploaded: 0, downloaded: 0 } };
  let heardAt = io.now();
  let checking = false;
  let checkedAt = 0;
  let lastLine = "";
  let lastLineAt = 0;
  io.stderr.write(`sync ${operationId} started${events ? "" : " (no event socket: asking its status every second)"}\n`);

  const shown = (): SyncProgress => {
    // Files, as the line says; a sync of folders, links or metadata only counts those, so it too ends full.
    const entries = progress.entries ?? { total: 0, done: 0 };
    return {
      files: progress.files.total > 0 || entries.total === 0 ? progress.files : entries,
      bytes: { done: bytesDone(progress), total: progress.bytes.total },
      rate: meter.rate(),
    };
  };
  const draw = (final = false) => {
    if (tty) return void io.stderr.write(`\r${renderProgressBar(shown(), io.stderr.columns ?? 80)}\x1b[K${final ? "\n" : ""}`);
    const line = renderProgressLine(shown());
    // Off a terminal: a line every 2 s while something moves, and the last one.
    if (final || (line !== lastLine && io.now() - lastLineAt >= 2_000)) {
      io.stderr.write(`${line}\n`);
      lastLine = line;
      lastLineAt = io.now();
    }
  };

  return new Promise<number>((resolveExit) => {
    let ended = false;
    const finish = (code: number, message: string, to: Out) => {
      if (ended) return;
      ended = true;
      clearInterval(ticker);
      process.off("SIGINT", interrupt);
      draw(true);
      to.write(`${message}\n`);
      resolveExit(code);
    };
    const update = (p: Progress) => {
      progress = p;
      heardAt = io.now();
      meter.add(io.now(), bytesDone(p));
      if (p.state === "running") return;
      for (const k of p.skipped ?? []) io.stderr.write(`skipped ${k.path} (${k.side}): ${k.reason}\n`);
      const entries = p.entries?.total ? `; ${p.entries.done}/${p.entries.total} folders, symlinks and modes or mtimes set` : "";
      const skipped = p.skipped?.length ? `; ${p.skipped.length} skipped (listed above)` : "";
      const summary = `${p.files.done}/${p.files.total} files, ${formatBytes(p.bytes.total)} in ${formatDuration((io.now() - started) / 1000)} (uploaded ${formatBytes(p.bytes.uploaded)}, downloaded ${formatBytes(p.bytes.downloaded)})${entries}${skipped}`;
      if (p.state === "done") finish(SYNC_EXIT.done, `done: ${summary}`, io.stdout);
      else finish(SYNC_EXIT.failed, `sync ${p.state}: ${p.error ?? "cancelled by someone else"} (${summary})`, io.stderr);
    };
    // The status is the record: asked when the socket is down or quiet, and once an event says the sync ended.
    const check = async () => {
      if (checking || ended) return;
      checking = true;
      checkedAt = io.now();
      try {
        update(progressSchema.parse(await getJson(base, statusPath, auth)));
      } catch (e) {
        finish(SYNC_EXIT.failed, `sync: cannot read the status of ${operationId}: ${(e as Error).message}`, io.stderr);
      } finally {
        checking = false;
      }
    };
    events?.onNews(() => {
      const p = events.next();
      if (!p) return;
      if (p.state === "running") update(p);
      else void check();
    });
    events?.filter(operationId);
    const ticker = setInterval(() => {
      const quiet = !events?.live() || io.now() - heardAt >= QUIET_CHECK_MS;
      if (quiet && io.now() - checkedAt >= 1_000) void check();
      draw();
    }, tty ? 100 : 1_000);
    const interrupt = () => {
      process.on("SIGINT", () => process.exit(SYNC_EXIT.interrupted)); // a second Ctrl-C does not wait
      io.stderr.write("\ncancelling…\n");
      postJson<Progress>(base, `${statusPath}/cancel`, {}, auth).then(
        (p) => finish(SYNC_EXIT.interrupted, `sync ${p.state === "cancelled" ? "cancelled" : p.state} (${p.files.done}/${p.files.total} files written; none half-written)`, io.stderr),
        (e: Error) => finish(SYNC_EXIT.interrupted, `sync: the cancel failed (${e.message}); it may still be running: ${statusPath}`, io.stderr),
      );
    };
    process.once("SIGINT", interrupt);
    void check(); // it may have ended before the first event
  });
}
