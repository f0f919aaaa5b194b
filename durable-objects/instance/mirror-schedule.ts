import type { MirrorWatch } from "@anchorage/common";
import type { MirrorRow } from "../../core/db/schema.ts";
import { findMirror, mirrorsFromSource, mirrorsToDestination } from "../../core/sync/mirror-store.ts";
import { ownerMaySync } from "../../core/sync/mirror-access.ts";
import type { DoResult } from "../../core/rpc/do-result.ts";
import { checkMirror, finishMirrorSync, haltMirror, markChanged, startMirrorSync, type MirrorDeps } from "./mirror-check.ts";
import type { MirrorCheck } from "../../core/rpc/instance-rpc.ts";

/** After the agent's last change report, an automatic sync waits this long, so a burst of reports makes one sync. */
export const AUTO_SYNC_DEBOUNCE_MS = 2_000;

const OWNER_LOST_SYNC = "its owner may no longer sync both instances: save it again as someone who may (they become its owner), or delete it";

/** While a pass runs, the alarm is not set for mirrors sooner than this. */
const PASS_GUARD_MS = 60_000;

/** What the schedule keeps in the object's storage (it outlives hibernation and eviction). */
type Stored = {
  /** When the next scheduled check is due (epoch ms), if any mirror has this instance as its source. */
  nextCheckAt?: number;
  /** Automatic syncs waiting out their debounce: mirror id → when due. */
  autoSyncAt: Record<string, number>;
  /** Mirrors whose last check failed, to check at the next pass, out of turn: an agent came back. */
  recheck?: string[];
};

export type MirrorHost = MirrorDeps & {
  /** This instance, once an agent has connected. */
  self: () => { id: string; ownerId: string } | undefined;
  load: () => Stored | undefined;
  save: (s: Stored) => void;
  /** Sends the watch list to the agent, if connected. */
  sendWatches: (watches: MirrorWatch[]) => void;
  /** Sets the object's one alarm to the earliest of its uses (this schedule's included, through nextAt). */
  reschedule: () => Promise<void>;
  /** Tells another instance's object that an agent of its mirrors came back (recheckFailed there). */
  pokeSource: (sourceId: string) => Promise<void>;
};

/**
 * The mirrors whose source is this instance (issue #7): checked at their interval on the object's
 * alarm (shared with the heartbeat deadline and the offline grace), marked `needs_sync` when the
 * agent reports a change under their folder, and synced by themselves when `autoSync` says so.
 * Scheduled work acts for the mirror's owner and stops (state `error`) when they lost `sync:`.
 */
export class MirrorSchedule {
  /** One pass at a time: a scan can take minutes, and the alarm may fire again meanwhile. */
  private running: Promise<void> | null = null;

  constructor(private readonly host: MirrorHost) {}

  /** When the alarm should next wake this schedule, if ever; while a pass runs, not before its guard time (it reschedules when done). */
  nextAt(): number | undefined {
    const s = this.stored();
    const times = [...(s.nextCheckAt !== undefined ? [s.nextCheckAt] : []), ...Object.values(s.autoSyncAt)];
    if (!times.length) return undefined;
    return this.running ? Math.max(Math.min(...times), this.host.now() + PASS_GUARD_MS) : Math.min(...times);
  }

  /** The mirrors changed (saved, deleted) or the agent connected: its watch list and the next check follow. */
  async refresh(): Promise<void> {
    const self = this.host.self();
    if (!self) return;
    const rows = await mirrorsFromSource(this.host.db, self.id);
    this.host.sendWatches(rows.map((r) => ({ id: r.id, path: r.sourcePath, exclude: r.exclude })));
    const s = this.stored();
    const ids = new Set(rows.map((r) => r.id));
    const recheck = (s.recheck ?? []).filter((id) => ids.has(id));
    this.host.save({
      nextCheckAt: recheck.length ? Math.min(s.nextCheckAt ?? Infinity, nextCheck(rows) ?? Infinity) : nextCheck(rows),
      autoSyncAt: Object.fromEntries(Object.entries(s.autoSyncAt).filter(([id]) => ids.has(id))),
      ...(recheck.length ? { recheck } : {}),
    });
    await this.host.reschedule();
  }

  /**
   * This instance's agent connected: its watch list goes out, and the mirrors it is part of whose
   * last check failed (most likely because it was away) are checked now rather than an interval later.
   */
  async agentConnected(): Promise<void> {
    const self = this.host.self();
    if (!self) return;
    const sources = new Set((await mirrorsToDestination(this.host.db, self.id)).filter((r) => failedLast(r)).map((r) => r.sourceInstanceId));
    sources.delete(self.id);
    await Promise.all([...sources].map((id) => this.host.pokeSource(id).catch((e) => console.error(`mirrors of ${id}: ${(e as Error).message}`))));
    await this.recheckFailed();
  }

  /** Checks the mirrors from here whose last check failed at the next pass (now). */
  async recheckFailed(): Promise<void> {
    const self = this.host.self();
    if (!self) return;
    const failed = (await mirrorsFromSource(this.host.db, self.id)).filter((r) => failedLast(r)).map((r) => r.id);
    if (failed.length) this.host.save({ ...this.stored(), recheck: failed, nextCheckAt: this.host.now() });
    await this.refresh();
  }

  /** A check asked for now (the route has checked the caller's access). */
  async check(id: string): Promise<DoResult<MirrorCheck>> {
    const row = await this.mine(id);
    if (!row) return { ok: false, code: "E-NOT-FOUND", message: "mirror not found" };
    const r = await checkMirror(this.host, row);
    await this.refresh();
    return r;
  }

  /** A sync asked for now (the route has checked the caller's access). */
  async sync(id: string, requestedBy: string): Promise<DoResult<{ operationId: string; row: MirrorRow }>> {
    const row = await this.mine(id);
    if (!row) return { ok: false, code: "E-NOT-FOUND", message: "mirror not found" };
    return startMirrorSync(this.host, row, requestedBy);
  }

  /** The agent saw changes under these mirrors' folders. */
  async changed(ids: string[]): Promise<void> {
    const self = this.host.self();
    if (!self) return;
    const wanted = new Set(ids);
    const rows = (await mirrorsFromSource(this.host.db, self.id)).filter((r) => wanted.has(r.id));
    for (const row of rows) await markChanged(this.host, row);
    // Read and written with no await between: other calls run while D1 answers.
    const s = this.stored();
    // Each report pushes the sync back: a burst of writes gives one sync, after it.
    for (const row of rows) if (row.autoSync) s.autoSyncAt[row.id] = this.host.now() + AUTO_SYNC_DEBOUNCE_MS;
    this.host.save(s);
    await this.host.reschedule();
  }

  /** One of this object's syncs ended: the mirror it was for (if any) is checked again. */
  async syncEnded(operationId: string): Promise<void> {
    const self = this.host.self();
    if (!self) return;
    const row = (await mirrorsFromSource(this.host.db, self.id)).find((r) => r.lastOperationId === operationId);
    const op = row ? await this.host.syncStatus(operationId) : null;
    if (!row || !op) return;
    const r = await finishMirrorSync(this.host, row, op);
    // Changed again while it synced: an automatic mirror goes again (after the debounce).
    if (r?.ok && r.value.pending > 0 && row.autoSync) {
      const s = this.stored();
      s.autoSyncAt[row.id] = this.host.now() + AUTO_SYNC_DEBOUNCE_MS;
      this.host.save(s);
    }
    await this.refresh();
  }

  /** The alarm fired: due checks and automatic syncs run (one pass at a time), then the next is set. */
  async runDue(): Promise<void> {
    if (this.running) return this.running;
    // A pass that throws (D1 unreachable) is logged; the guard time set at its start retries it.
    this.running = this.pass()
      .catch((e) => console.error(`mirror schedule: ${(e as Error).message}`))
      .finally(() => (this.running = null))
      .then(() => this.host.reschedule());
    return this.running;
  }

  private async pass(): Promise<void> {
    const self = this.host.self();
    if (!self) return;
    const now = this.host.now();
    const s = this.stored();
    const dueSyncs = new Set(Object.entries(s.autoSyncAt).filter(([, at]) => at <= now).map(([id]) => id));
    for (const id of dueSyncs) delete s.autoSyncAt[id];
    const recheck = new Set(s.recheck ?? []);
    delete s.recheck;
    // Saved before the first await, so the alarm that started this pass sets the next one past it
    // (a pass can take minutes; after a restart `running` is gone but this stays); its end sets the real time.
    s.nextCheckAt = now + PASS_GUARD_MS;
    this.host.save(s);
    for (const row of await mirrorsFromSource(this.host.db, self.id)) {
      const checkDue = recheck.has(row.id) || (lastAttempt(row) ?? 0) + row.intervalSeconds * 1000 <= now;
      const syncDue = dueSyncs.has(row.id) && row.autoSync;
      if (!checkDue && !syncDue) continue;
      if (!(await ownerMaySync(this.host.db, row))) {
        await haltMirror(this.host, row, OWNER_LOST_SYNC);
        continue;
      }
      if (syncDue) {
        await startMirrorSync(this.host, row, row.ownerId);
        continue;
      }
      const checked = await checkMirror(this.host, row);
      if (checked.ok && checked.value.pending > 0 && row.autoSync) await startMirrorSync(this.host, checked.value.row, row.ownerId);
    }
    await this.refresh();
  }

  private async mine(id: string): Promise<MirrorRow | undefined> {
    const row = await findMirror(this.host.db, id);
    return row && row.sourceInstanceId === this.host.self()?.id ? row : undefined;
  }

  private stored(): Stored {
    const s = this.host.load();
    return { ...(s?.nextCheckAt !== undefined ? { nextCheckAt: s.nextCheckAt } : {}), autoSyncAt: { ...(s?.autoSyncAt ?? {}) }, ...(s?.recheck?.length ? { recheck: [...s.recheck] } : {}) };
  }
}

/** The last check, successful or not (a failed one waits out the interval too, rather than retrying at once). */
function lastAttempt(row: MirrorRow): number | undefined {
  const times = [row.lastCheckAt, row.lastErrorAt].filter((t): t is string => t !== null).map((t) => Date.parse(t));
  return times.length ? Math.max(...times) : undefined;
}

/** The mirror's last check failed (or it was never checked): it may be stale only because an agent was away. */
function failedLast(row: MirrorRow): boolean {
  return row.lastErrorAt !== null && (row.lastCheckAt === null || row.lastErrorAt > row.lastCheckAt);
}

/** When the earliest of these mirrors is due for its scheduled check. */
function nextCheck(rows: MirrorRow[]): number | undefined {
  if (rows.length === 0) return undefined;
  return Math.min(...rows.map((r) => (lastAttempt(r) ?? 0) + r.intervalSeconds * 1000));
}
