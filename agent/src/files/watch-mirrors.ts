import { watch, type FSWatcher } from "node:fs";
import { sep } from "node:path";
import type { AgentConfig } from "@anchorage/common/agent-config";
import { ALWAYS_EXCLUDED } from "@anchorage/common/protocol/files";
import { MIRROR_WATCH_QUIET_MS, type MirrorWatch } from "@anchorage/common/protocol/mirror-watch";
import type { Logger } from "../agent-log.ts";
import { confineToRoots } from "../root-paths.ts";
import { excluder } from "./exclusions.ts";

/** A watch that could not start (a folder not there yet, the inotify limit) is tried again this often. */
const RETRY_MS = 30_000;
/** A change that never goes quiet (a log written every second) is still reported this often. */
const MAX_WAIT_FACTOR = 5;

type Active = { key: string; watcher: FSWatcher };

/**
 * Watches the folders of the mirrors whose source is this instance (issue #7), as the server lists
 * them, and reports which mirrors saw a change, once a burst of changes has been quiet for a second.
 * Each folder is confined to the roots like any file call and watched with `fs.watch` recursive;
 * changes under the mirror's exclusions, the agent's `sync.exclude` or the backup folder are not
 * reported. A watch that fails is logged and tried again later: the server's scheduled checks
 * still find what it misses. Reports made while disconnected wait for the next connection.
 */
export class MirrorWatcher {
  private readonly active = new Map<string, Active>();
  private wanted: MirrorWatch[] = [];
  private readonly pending = new Set<string>();
  private firstPendingAt = 0;
  private quiet: ReturnType<typeof setTimeout> | undefined;
  private retry: ReturnType<typeof setInterval> | undefined;
  private send: ((ids: string[]) => void) | null = null;

  private readonly config: AgentConfig;
  private readonly log: Logger;
  private readonly quietMs: number;

  constructor(config: AgentConfig, log: Logger, quietMs = MIRROR_WATCH_QUIET_MS) {
    this.config = config;
    this.log = log;
    this.quietMs = quietMs;
  }

  /** Where reports go (the socket while connected; null while not). */
  attach(send: ((ids: string[]) => void) | null): void {
    this.send = send;
    if (send && this.pending.size && !this.quiet) this.flush();
  }

  /** The server's complete list: folders no longer listed stop being watched, new ones start. */
  async update(watches: MirrorWatch[]): Promise<void> {
    this.wanted = watches;
    const keys = new Map(watches.map((w) => [w.id, keyOf(w)]));
    for (const [id, a] of this.active) {
      if (keys.get(id) !== a.key) this.stop(id);
    }
    await this.startMissing();
    if (watches.length && !this.retry) {
      this.retry = setInterval(() => void this.startMissing(), RETRY_MS);
      this.retry.unref();
    } else if (!watches.length) {
      clearInterval(this.retry);
      this.retry = undefined;
    }
  }

  /** Which mirrors are being watched right now. */
  watching(): string[] {
    return [...this.active.keys()];
  }

  close(): void {
    clearInterval(this.retry);
    clearTimeout(this.quiet);
    this.retry = undefined;
    for (const id of [...this.active.keys()]) this.stop(id);
    this.wanted = [];
  }

  private async startMissing(): Promise<void> {
    for (const w of this.wanted) {
      if (this.active.has(w.id)) continue;
      try {
        await this.start(w);
      } catch (e) {
        this.log.warn(`mirror ${w.id}: cannot watch ${w.path} (${(e as Error).message}); its scheduled checks go on, and watching is tried again in ${RETRY_MS / 1000} s`);
      }
    }
  }

  private async start(w: MirrorWatch): Promise<void> {
    const { real, exists } = await confineToRoots(w.path, this.config);
    if (!exists) throw new Error("the folder does not exist");
    // The list may have changed while the path was being confined.
    if (this.active.has(w.id) || !this.wanted.some((x) => x.id === w.id && keyOf(x) === keyOf(w))) return;
    const isExcluded = excluder([...ALWAYS_EXCLUDED, ...this.config.sync.exclude, ...w.exclude]);
    const watcher = watch(real, { recursive: true, persistent: false }, (_event, filename) => {
      // No name (some platforms, an overflowed queue): something changed, say so.
      const rel = filename ? filename.toString().split(sep).join("/") : null;
      if (rel !== null && rel !== "" && isExcluded(rel)) return;
      this.changed(w.id);
    });
    watcher.on("error", (e) => {
      this.log.warn(`mirror ${w.id}: watching ${w.path} stopped (${e.message}); tried again in ${RETRY_MS / 1000} s`);
      this.stop(w.id);
    });
    this.active.set(w.id, { key: keyOf(w), watcher });
  }

  private stop(id: string) {
    const a = this.active.get(id);
    if (!a) return;
    this.active.delete(id);
    a.watcher.close();
  }

  /** Debounced: reported once quiet for `quietMs`, or after MAX_WAIT_FACTOR × that if it never goes quiet. */
  private changed(id: string) {
    if (this.pending.size === 0) this.firstPendingAt = Date.now();
    this.pending.add(id);
    clearTimeout(this.quiet);
    const waited = Date.now() - this.firstPendingAt;
    this.quiet = setTimeout(() => this.flush(), Math.max(0, Math.min(this.quietMs, MAX_WAIT_FACTOR * this.quietMs - waited)));
  }

  private flush() {
    this.quiet = undefined;
    if (!this.send || this.pending.size === 0) return;
    const ids = [...this.pending];
    this.pending.clear();
    this.send(ids);
  }
}

const keyOf = (w: MirrorWatch) => JSON.stringify([w.path, w.exclude]);
