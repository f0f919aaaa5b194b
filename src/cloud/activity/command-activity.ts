import type { ActivityItem, ActivityKind, ActivityStatus } from "@anchorage/common";
import { mapLimited } from "@anchorage/common/map-limited";
import type { Env } from "../../../core/env.ts";
import type { InstanceRow } from "../../../core/db/schema.ts";
import type { ActionRecord } from "../../../core/rpc/instance-rpc.ts";

/**
 * Commands (and remote git calls, which run as actions) are read from each instance's object,
 * where they are kept with their status and output. Bounded, so one request's calls to objects
 * stay few whatever the fleet: the instances seen most recently, each its newest actions.
 */
export const COMMAND_INSTANCES = 100;
export const COMMANDS_PER_INSTANCE = 50;
/** Calls to objects at once: they are cheap, but a fleet's worth at once is not. */
const CONCURRENCY = 8;

/** An item without the actor's email (filled in later, for those who may know it). */
export type RawItem = Omit<ActivityItem, "actor_email">;

/** The most recently seen instances first (never seen last), at most COMMAND_INSTANCES. */
export function commandInstances(instances: InstanceRow[]): InstanceRow[] {
  const seen = (i: InstanceRow) => i.lastSeenAt ?? "";
  return [...instances].sort((a, b) => (seen(a) === seen(b) ? b.createdAt.localeCompare(a.createdAt) : seen(b).localeCompare(seen(a)))).slice(0, COMMAND_INSTANCES);
}

/** A DO action as an item: `git fetch /repo` (the git route's label) is git; anything else a command. */
export function actionToItem(a: ActionRecord, instance: Pick<InstanceRow, "id" | "name">): RawItem {
  // Command names cannot hold a space (commandNameSchema), so "git " can only be the git route's label.
  const kind: ActivityKind = a.command.startsWith("git ") ? "git" : "command";
  const status: ActivityStatus = a.status === "running" ? "pending" : a.status;
  const facts = [a.exit_code !== null ? `exit code ${a.exit_code}` : null, a.error].filter((f): f is string => !!f);
  const summary = `${kind === "git" ? a.command : `Ran ${a.command}`}${status === "pending" ? " (running)" : facts.length ? ` (${facts.join(", ")})` : ""}`;
  const output = [a.output_tail.replace(/\n$/, ""), a.error].filter(Boolean).join("\n");
  return {
    id: a.id,
    kind,
    status,
    instance_id: instance.id,
    instance_name: instance.name,
    actor_id: a.requested_by || null,
    at: a.started_at,
    summary,
    ...(output ? { output } : {}),
  };
}

export type RecentCommands = {
  items: RawItem[];
  /**
   * Per instance, the start of the oldest action read: audit entries of commands from then on
   * are those same actions (the object's record has the output), so they are left out.
   */
  coveredSince: Map<string, string>;
};

export async function recentCommands(env: Env, instances: InstanceRow[]): Promise<RecentCommands> {
  const items: RawItem[] = [];
  const coveredSince = new Map<string, string>();
  await mapLimited(commandInstances(instances), CONCURRENCY, async (instance) => {
    let actions: ActionRecord[];
    try {
      actions = await env.INSTANCE.get(env.INSTANCE.idFromName(instance.id)).recentActions(COMMANDS_PER_INSTANCE);
    } catch (e) {
      // One object that cannot answer does not hide everyone else's activity; its audit entries still show.
      console.error(`activity: recent actions of ${instance.id}: ${(e as Error).message}`);
      return;
    }
    for (const a of actions) items.push(actionToItem(a, instance));
    const oldest = actions.at(-1);
    if (oldest) coveredSince.set(instance.id, oldest.started_at);
  });
  return { items, coveredSince };
}
