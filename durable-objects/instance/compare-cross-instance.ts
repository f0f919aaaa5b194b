import { compareTrees, summarize, type CompareResult, type ScanResult } from "@anchorage/common";
import type { DoResult } from "../../core/rpc/do-result.ts";

type Side = { instanceId: string; path: string; scan: Promise<DoResult<ScanResult>> };

/**
 * Compares a folder on one instance with a folder on another (DESIGN.md, Sync): both agents scan
 * at once, then every path of either tree is listed with its status. A side that cannot be scanned
 * (offline, a missing folder, outside the roots) fails the whole comparison, saying which side:
 * a missing tree is never taken for an empty one. Symlinks, folders and what a sync would leave
 * alone are listed beside the files (compareTrees).
 */
export async function compareCrossInstance(source: Side, destination: Side): Promise<DoResult<CompareResult>> {
  const [s, d] = await Promise.all([source.scan, destination.scan]);
  if (!s.ok) return { ...s, message: `source ${source.instanceId}: ${s.message}` };
  if (!d.ok) return { ...d, message: `destination ${destination.instanceId}: ${d.message}` };
  const { files, links, directories, skipped } = compareTrees(s.value, d.value);
  return {
    ok: true,
    value: {
      source: { instance_id: source.instanceId, path: source.path, files: s.value.files.length },
      destination: { instance_id: destination.instanceId, path: destination.path, files: d.value.files.length },
      summary: summarize(files),
      files,
      links,
      directories,
      skipped,
    },
  };
}
