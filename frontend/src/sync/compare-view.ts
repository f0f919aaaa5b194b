import type { CompareEntry, CompareResult, CompareStatus, CrossInstanceRequest } from "@anchorage/common";
import { planSync, type PlanRefusal, type SyncPlan } from "@anchorage/common/sync/plan-sync";
import type { Tone } from "../tone.ts";

/**
 * The File sync screen's compare, as pure decisions: its entries grouped by status and put in
 * words, which of them can be chosen, what is chosen at first, and what a sync of the choice
 * would do (the server's own plan, so a refusal shows before anything is sent).
 */

/** The Cloud Manager's body, as the dashboard sends it (every option stated). */
export type SyncRequest = Omit<CrossInstanceRequest, "options"> & { options: { exclude: string[]; delete: boolean } };

/** Conflicts first (they need a decision), synced files last. */
export const STATUS_ORDER: readonly CompareStatus[] = ["destination_newer", "different", "new", "only_destination", "identical"];

export const statusWords: Record<CompareStatus, { label: string; group: string; tone: Tone; hint?: string }> = {
  destination_newer: {
    label: "Newer on the destination",
    group: "Newer on the destination",
    tone: "bad",
    hint: "The destination's copy was changed later. A sync replaces it and keeps that copy in the destination's backup folder.",
  },
  different: { label: "Differs", group: "Different", tone: "neutral" },
  new: { label: "Only on the source", group: "Only on the source", tone: "neutral" },
  only_destination: {
    label: "Only on the destination",
    group: "Only on the destination",
    tone: "neutral",
    hint: "Removed from the destination (into its backup folder) only when “Also remove files only on the destination” is ticked.",
  },
  identical: { label: "Synced", group: "Synced", tone: "ok", hint: "The same content on both sides (text compared without line-ending differences)." },
};

export interface CompareGroup {
  status: CompareStatus;
  entries: CompareEntry[];
}

/** The non-empty groups, in STATUS_ORDER, each in path order. */
export function groupByStatus(entries: readonly CompareEntry[]): CompareGroup[] {
  return STATUS_ORDER.map((status) => ({ status, entries: entries.filter((e) => e.status === status).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) })).filter(
    (g) => g.entries.length > 0,
  );
}

const SENT: ReadonlySet<CompareStatus> = new Set(["new", "different", "destination_newer"]);

/** Whether a sync would do anything with this entry: send it, or (with `remove`) remove it. */
export const isChoosable = (status: CompareStatus, remove: boolean) => SENT.has(status) || (remove && status === "only_destination");

/**
 * What is chosen right after a compare: what is new or different. A file newer on the destination
 * (an edit the sync would replace) and a removal are left for a deliberate tick.
 */
export const initialChoice = (entries: readonly CompareEntry[]): Set<string> => new Set(entries.filter((e) => e.status === "new" || e.status === "different").map((e) => e.path));

/** The choice with `paths` ticked or unticked. */
export function setChosen(chosen: ReadonlySet<string>, paths: readonly string[], on: boolean): Set<string> {
  const next = new Set(chosen);
  for (const p of paths) {
    if (on) next.add(p);
    else next.delete(p);
  }
  return next;
}

/** Only what can still be chosen: unticking “remove” drops the removals. */
export function keepChoosable(chosen: ReadonlySet<string>, entries: readonly CompareEntry[], remove: boolean): Set<string> {
  const ok = new Set(entries.filter((e) => isChoosable(e.status, remove)).map((e) => e.path));
  return new Set([...chosen].filter((p) => ok.has(p)));
}

/** A group's tick box: all of its choosable entries chosen, some, or none. */
export function groupChoice(group: CompareGroup, chosen: ReadonlySet<string>): "all" | "some" | "none" {
  const n = group.entries.filter((e) => chosen.has(e.path)).length;
  return n === 0 ? "none" : n === group.entries.length ? "all" : "some";
}

/** The server's plan for the choice (planSync, the same function the sync runs), or why it would refuse. */
export const planChoice = (result: CompareResult, chosen: ReadonlySet<string>, remove: boolean): SyncPlan | PlanRefusal =>
  planSync(result.files, { delete: remove, only: chosen });

export const isRefusal = (p: SyncPlan | PlanRefusal): p is PlanRefusal => "code" in p;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "2 to send (1.2 KiB), 1 to remove". */
export function planWords(plan: SyncPlan, formatBytes: (n: number) => string): string {
  const bytes = plan.transfer.reduce((n, e) => n + (e.source?.size ?? 0), 0);
  const parts: string[] = [];
  if (plan.transfer.length) parts.push(`${plural(plan.transfer.length, "file")} to send (${formatBytes(bytes)})`);
  if (plan.remove.length) parts.push(`${plural(plan.remove.length, "file")} to remove`);
  return parts.length ? parts.join(", ") : "Nothing chosen";
}

/** "3 synced, 1 different, 2 only on the source" (every status present, in STATUS_ORDER). */
export function summaryWords(summary: Partial<Record<CompareStatus, number>>): string {
  const parts = STATUS_ORDER.filter((s) => (summary[s] ?? 0) > 0).map((s) => `${summary[s]} ${statusWords[s].group.toLowerCase()}`);
  return parts.length ? parts.join(", ") : "No files on either side";
}

/**
 * A browsed file's status in the compare, when the folder being browsed lies inside the folder
 * compared on that side: `root` is that compared folder, `folder` the one browsed.
 */
export function browsedStatus(byPath: ReadonlyMap<string, CompareStatus>, root: string, folder: string, name: string): CompareStatus | undefined {
  const base = root.replace(/\/+$/, "");
  const dir = folder.replace(/\/+$/, "");
  if (dir === base) return byPath.get(name);
  if (!dir.startsWith(`${base}/`)) return undefined;
  return byPath.get(`${dir.slice(base.length + 1)}/${name}`);
}
