import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { MIRROR_MAX_INTERVAL_SECONDS, MIRROR_MIN_INTERVAL_SECONDS } from "@anchorage/common";
import { instanceId, readOnly, result, type ToolContext } from "./mcp-tools.ts";

const direction = z.enum(["push", "pull"]).default("push").describe("push mirrors are listed on their source's side, pull mirrors on their destination's; both copy source → destination");
const mirrorId = z.string().min(1).max(64).describe("the mirror's id (mir_…), from list_mirrors");
const path = z.string().min(1).max(4096).describe("an absolute path on the instance, under one of its project roots");
const prefix = (d: "push" | "pull") => (d === "push" ? "/api/cloud/mirrors" : "/api/cloud/pulls");

/**
 * Mirrors as MCP tools (issue #7): each a call to the `/api/cloud/mirrors|pulls/*` routes with the
 * caller's credential, so a tool can do exactly what that credential may do over REST.
 */
export function registerMirrorTools(server: McpServer, { rest }: Pick<ToolContext, "rest">): void {
  server.registerTool(
    "list_mirrors",
    {
      title: "List mirrors",
      description: "Mirrors you may use (sync: on both instances): source and destination folders, options, schedule, and state (in_sync, needs_sync, syncing, error, or stale when not checked successfully within twice its interval) with the last check and sync times.",
      inputSchema: { direction, instance_id: instanceId.optional().describe("only mirrors touching this instance") },
      annotations: readOnly,
    },
    async ({ direction: d, instance_id }) => result(await rest("GET", `${prefix(d)}/list${instance_id ? `?instanceId=${encodeURIComponent(instance_id)}` : ""}`)),
  );

  server.registerTool(
    "save_mirror",
    {
      title: "Create or change a mirror",
      description:
        "Keep a folder on one instance copied to a folder on another: checked every interval_seconds and whenever the source's agent sees a change; with auto_sync it syncs by itself when needed (replaced files backed up under .anchorage-backups/, files only on the destination removed only with delete). The folders are compared at once: paths outside the roots, a missing source or overlapping folders are refused. Give id to change an existing mirror.",
      inputSchema: {
        direction,
        id: mirrorId.optional(),
        name: z.string().min(1).max(120).optional(),
        source_instance_id: instanceId,
        destination_instance_id: instanceId,
        source_path: path,
        target_path: path,
        exclude: z.array(z.string().min(1).max(300)).max(200).optional().describe("globs to leave out, e.g. dist/** or *.log"),
        delete: z.boolean().optional().describe("syncs also remove (into the backup folder) files only on the destination; default false"),
        interval_seconds: z.number().int().min(MIRROR_MIN_INTERVAL_SECONDS).max(MIRROR_MAX_INTERVAL_SECONDS).optional().describe("how often it is checked; default 300"),
        auto_sync: z.boolean().optional().describe("sync by itself whenever a check or a change finds something to send; default false"),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    async (a) =>
      result(
        await rest("POST", `${prefix(a.direction)}/save`, {
          ...(a.id ? { id: a.id } : {}),
          ...(a.name ? { name: a.name } : {}),
          sourceInstanceId: a.source_instance_id,
          destinationInstanceId: a.destination_instance_id,
          sourcePath: a.source_path,
          targetPath: a.target_path,
          options: { exclude: a.exclude ?? [], delete: a.delete ?? false },
          ...(a.interval_seconds !== undefined ? { intervalSeconds: a.interval_seconds } : {}),
          ...(a.auto_sync !== undefined ? { autoSync: a.auto_sync } : {}),
        }),
      ),
  );

  server.registerTool(
    "check_mirror",
    {
      title: "Check a mirror now",
      description: "Compare a mirror's folders now: records in_sync or needs_sync and answers the counts by status (identical, different, new, only_destination, destination_newer) and how many files a sync would send or remove.",
      inputSchema: { direction, id: mirrorId },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ direction: d, id }) => result(await rest("POST", `${prefix(d)}/check`, { id })),
  );

  server.registerTool(
    "sync_mirror",
    {
      title: "Sync a mirror now",
      description: "Start a mirror's sync with its own options (replaced files backed up; deletions only when the mirror deletes). Answers an operationId; follow it with get_sync_operation.",
      inputSchema: { direction, id: mirrorId },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ direction: d, id }) => result(await rest("POST", `${prefix(d)}/sync`, { id })),
  );

  server.registerTool(
    "delete_mirror",
    {
      title: "Delete a mirror",
      description: "Stop a mirror: no more checks, syncs or watching. The files stay where they are.",
      inputSchema: { direction, id: mirrorId },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ direction: d, id }) => result(await rest("POST", `${prefix(d)}/delete`, { id })),
  );
}
