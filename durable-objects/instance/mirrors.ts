import type { InstanceContext } from "./instance-context.ts";
import { MirrorSchedule } from "./mirror-schedule.ts";
import type { Syncs } from "./syncs.ts";

/**
 * The mirrors whose source is this instance (their rows in D1; the schedule, checks and syncs:
 * mirror-schedule.ts, mirror-check.ts), wired to this object: its syncs, its events, its storage,
 * the agent's watch list. Its part of the alarm: the due checks and automatic syncs, which run beside
 * the alarm, not inside it, since a check's scans can take minutes.
 */
export class Mirrors extends MirrorSchedule {
  constructor(
    private readonly c: InstanceContext,
    syncs: Syncs,
  ) {
    super({
      db: c.db(),
      compare: (destinationId, req) => syncs.compareWith(destinationId, req),
      startSync: (destinationId, req, requestedBy) => syncs.start(destinationId, req, requestedBy),
      syncStatus: async (operationId) => syncs.status(operationId),
      emit: (event) => c.emit(event),
      now: () => Date.now(),
      self: () => c.instance(),
      load: () => c.state.getMeta("mirrors"),
      save: (s) => c.state.setMeta("mirrors", s),
      sendWatches: (watches) => c.agentSockets().forEach((s) => s.send(JSON.stringify({ type: "mirror-watch", watches }))),
      reschedule: () => c.reschedule(),
      pokeSource: (sourceId) => c.instanceStub(sourceId).recheckMirrors(),
    });
  }

  wakeAt(): number | undefined {
    return this.nextAt();
  }

  alarm(now: number): void {
    if ((this.nextAt() ?? Infinity) <= now) this.c.ctx.waitUntil(this.runDue());
  }
}
