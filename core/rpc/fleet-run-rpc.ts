import type { FleetTarget, RunView } from "@anchorage/common";
import type { MemberJob } from "../fleet/member-job.ts";

/** A member the run works on: checked with permit() by whoever started the run. */
export type RunMember = { instanceId: string; ownerId: string; name: string };
/** A member the target named that the starter may not command: reported, never run. */
export type RunRefusal = { instanceId: string; ownerId: string | null; name: string | null; reason: string };

export type RunSpec = {
  id: string;
  ownerId: string;
  /** The user the instances' recent actions name as the requester. */
  requestedBy: string;
  target: FleetTarget;
  job: MemberJob;
  concurrency: number;
  scheduleId: string | null;
  members: RunMember[];
  refused: RunRefusal[];
};

/** What a FleetRunDO (one per run, name = run id) answers. The Worker has checked who may see the run. */
export interface FleetRunRpc extends Rpc.DurableObjectBranded {
  /** Stores the run and its members (all queued, refused ones already `error`) and starts the fan-out from the alarm. */
  start(spec: RunSpec): Promise<void>;
  /** The run and every member's result, or null for an object that holds no run. */
  view(): Promise<(RunView & { ownerId: string; memberOwners: Record<string, string | null> }) | null>;
  /** Queued members become `error` ("cancelled"); running ones finish. */
  cancel(): Promise<(RunView & { ownerId: string; memberOwners: Record<string, string | null> }) | null>;
}
