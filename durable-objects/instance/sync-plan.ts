import { planTree, type CompareResult, type PlanRefusal, type RelativeApply, type SkippedEntry } from "@anchorage/common";
import { touchesGitDir } from "../../core/files/git-dir-writes.ts";
import type { SyncPlanPaths } from "./sync-transfer.ts";
import type { SyncOperation } from "../../core/rpc/sync-operation.ts";

/** An operation lists at most this many skipped entries (the compare's; the writer's are added up to the same bound). */
const MAX_SKIPPED_LISTED = 1000;

export type PlannedOperation = {
  plan: SyncPlanPaths;
  counts: Pick<SyncOperation, "files" | "entries" | "bytes" | "skipped">;
};

/**
 * A sync's stored plan from a compare (planTree's rsync -a meaning), with the operation's counts.
 * `gitExcluded`: the caller may not write under `.git` at the destination (issue 19: the scans
 * leave .git out); a symlink leading into a `.git` is then refused too, since a later write
 * through it would land there.
 */
export function planOperation(compare: CompareResult, opts: { delete: boolean; only?: ReadonlySet<string>; gitExcluded: boolean }): PlannedOperation | PlanRefusal {
  const tree = { files: compare.files, links: compare.links ?? [], directories: compare.directories ?? [], skipped: compare.skipped ?? [] };
  const planned = planTree(tree, opts);
  if ("code" in planned) return planned;
  const skipped: SkippedEntry[] = [...planned.skipped];
  const keep = (entries: RelativeApply[]) =>
    entries.filter((e) => {
      if (!(opts.gitExcluded && e.kind === "symlink" && touchesGitDir(e.target))) return true;
      skipped.push({ path: e.path, side: "source", reason: `symlink to ${e.target}: a link into .git needs command:cloud_instance on the destination` });
      return false;
    });
  const transfer = planned.transfer.map((e) => ({ path: e.path, size: e.source!.size }));
  const plan: SyncPlanPaths = { transfer, remove: planned.remove.map((e) => e.path), before: keep(planned.before), after: keep(planned.after), last: planned.last };
  const entries = plan.before!.length + plan.after!.length + plan.last!.length;
  return {
    plan,
    counts: {
      files: { total: transfer.length + plan.remove.length, done: 0 },
      entries: { total: entries, done: 0 },
      bytes: { total: transfer.reduce((n, f) => n + f.size, 0), uploaded: 0, downloaded: 0, written: 0 },
      skipped: skipped.slice(0, MAX_SKIPPED_LISTED),
    },
  };
}
