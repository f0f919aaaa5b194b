import { DurableObject } from "cloudflare:workers";
import type { RunResult, RunView } from "@anchorage/common";
import type { Env } from "../../core/env.ts";
import { openDb } from "../../core/db/client.ts";
import { publishToUsers } from "../../core/events/publish.ts";
import { outcomeOf, runMemberJob, type MemberOutcome } from "../../core/fleet/member-job.ts";
import { finishRunRow } from "../../core/fleet/run-index.ts";
import type { FleetRunRpc, RunSpec } from "../../core/rpc/fleet-run-rpc.ts";
import { nowIso } from "../../core/ids.ts";
import { RunStore, type QueuedMember } from "./run-store.ts";

/** An alarm handler waits at most this long for calls in flight before handing over to the next alarm (alarms have a 15-minute wall limit). */
const ALARM_SLICE_MS = 30_000;
/** Beyond the member's own time limit (the instance's object already adds 10 s), how long a call may take before it counts as lost. */
const CALL_GRACE_MS = 60_000;

/**
 * One per run (name = run id): fans the run's job out to its members, at most `concurrency` at a
 * time, from its alarm, never in the Worker's request. Each member's start and end are written to
 * storage as they happen; the alarm keeps coming back while members are queued or running, so a
 * restarted object continues with the queued ones (a member whose call the restart cut is ended as
 * `error`: its command may have run, and running it twice is worse than saying so).
 */
export class FleetRunDO extends DurableObject<Env> implements FleetRunRpc {
  private readonly store: RunStore;
  /** Calls in flight in this incarnation of the object, by member ord. */
  private readonly inFlight = new Map<number, Promise<void>>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new RunStore(ctx.storage.sql);
  }

  async start(spec: RunSpec): Promise<void> {
    if (!this.store.create(spec, nowIso())) return;
    await this.ctx.storage.setAlarm(Date.now());
  }

  async view() {
    return this.store.view();
  }

  async cancel() {
    if (!this.store.meta()) return null;
    const cancelled = this.store.cancelQueued(nowIso());
    for (const r of cancelled) await this.emit(r);
    await this.endIfSettled();
    return this.store.view();
  }

  override async alarm(): Promise<void> {
    const meta = this.store.meta();
    if (!meta || meta.endedAt) return;
    // Running in storage but not in this object's memory: the object restarted and the call is lost.
    for (const m of this.store.running()) {
      if (this.inFlight.has(m.ord)) continue;
      const r = this.store.finish(m.ord, { state: "error", exitCode: null, output: "", error: "the run was interrupted (its object restarted) while this member ran; see the instance's recent actions" }, nowIso());
      if (r) await this.emit(r);
    }
    this.fill();
    if (this.inFlight.size > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([Promise.all(this.inFlight.values()), new Promise((res) => (timer = setTimeout(res, ALARM_SLICE_MS)))]);
      if (timer !== undefined) clearTimeout(timer);
    }
    if (!(await this.endIfSettled())) await this.ctx.storage.setAlarm(Date.now() + (this.inFlight.size > 0 ? 10 : 1000));
  }

  /** Starts queued members while there is room. */
  private fill() {
    const meta = this.store.meta();
    if (!meta || meta.endedAt) return;
    for (const m of this.store.nextQueued(meta.concurrency - this.inFlight.size)) {
      const p = this.runMember(m, meta.job, meta.requestedBy).finally(() => {
        this.inFlight.delete(m.ord);
        this.fill();
      });
      this.inFlight.set(m.ord, p);
    }
  }

  private async runMember(m: QueuedMember, job: RunSpec["job"], requestedBy: string): Promise<void> {
    await this.emit(this.store.markRunning(m.ord, nowIso()));
    let outcome: MemberOutcome;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const stub = this.env.INSTANCE.get(this.env.INSTANCE.idFromName(m.instanceId));
      const lost = new Promise<MemberOutcome>((res) => {
        timer = setTimeout(() => res({ state: "error", exitCode: null, output: "", error: "the instance did not answer in time" }), job.timeoutSeconds * 1000 + CALL_GRACE_MS);
      });
      outcome = await Promise.race([runMemberJob(stub, job, requestedBy).then(outcomeOf), lost]);
    } catch (e) {
      // The instance's object failed (reset, deploy): this member's part is an error, never a hang.
      outcome = { state: "error", exitCode: null, output: "", error: `the instance's object failed: ${(e as Error).message}`.slice(0, 300) };
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
    const r = this.store.finish(m.ord, outcome, nowIso());
    if (r) await this.emit(r);
    await this.endIfSettled();
  }

  /** When nothing is queued or running: the run is done, in storage and in the D1 index. */
  private async endIfSettled(): Promise<boolean> {
    const meta = this.store.meta();
    if (!meta) return true;
    if (meta.endedAt) return true;
    if (!this.store.settled()) return false;
    const endedAt = nowIso();
    this.store.markEnded(endedAt);
    const counts = this.store.counts();
    const total = Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
    await finishRunRow(openDb(this.env.DB), meta.id, { total, succeeded: counts.success ?? 0, endedAt }).catch((e: unknown) => console.error(`run ${meta.id}: index not updated: ${(e as Error).message}`));
    await this.ctx.storage.deleteAlarm();
    return true;
  }

  /** A member's change to the run's owner's dashboards (the event is about that member's instance). */
  private async emit(result: RunResult): Promise<void> {
    const meta = this.store.meta();
    if (!meta) return;
    const state = this.store.settled() ? "done" : "running";
    await publishToUsers(this.env, { ownerId: this.store.ownerOf(result.instanceId) ?? meta.ownerId }, [meta.ownerId], {
      type: "cloud:run-progress", runId: meta.id, instanceId: result.instanceId, result, state, counts: this.store.counts(), at: nowIso(),
    }).catch((e: unknown) => console.error(`run ${meta.id}: progress not sent: ${(e as Error).message}`));
  }
}
