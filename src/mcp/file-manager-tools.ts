import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { instanceId, result, type ToolContext } from "./mcp-tools.ts";

const path = z.string().min(1).max(4096).describe("an absolute path on the instance, under one of its project roots (see the instance's folders)");
const enc = encodeURIComponent;
const changes = { readOnlyHint: false, openWorldHint: false } as const;

/**
 * The file manager's calls (issue #21) as MCP tools, beside read_file and write_file: each a call
 * to the `/api/cloud/instance/:id/{mkdir,rename,file}` routes with the caller's credential, so a
 * tool can do exactly what that credential may do over REST (`sync:`, and `command:` under .git).
 */
export function registerFileManagerTools(server: McpServer, { rest }: Pick<ToolContext, "rest">): void {
  server.registerTool(
    "make_folder",
    {
      title: "Make a folder",
      description: "Create a folder on the instance. Refused when anything is already there; a missing parent folder is refused too unless parents is true (then it is made as well, like mkdir -p).",
      inputSchema: { instance_id: instanceId, path, parents: z.boolean().optional().describe("also make missing parent folders; default false") },
      annotations: { ...changes, destructiveHint: false, idempotentHint: false },
    },
    async ({ instance_id, path, parents }) => result(await rest("POST", `/api/cloud/instance/${enc(instance_id)}/mkdir`, { path, ...(parents !== undefined ? { parents } : {}) })),
  );

  server.registerTool(
    "move_path",
    {
      title: "Rename or move",
      description: "Rename or move a file, folder or symlink within the instance's project roots, atomically. Never overwrites: refused when something is at `to` (delete it first), or when `to` is on another file system. A project root cannot be moved.",
      inputSchema: { instance_id: instanceId, from: path, to: path },
      // Not additive (the old name goes), though nothing is overwritten.
      annotations: { ...changes, destructiveHint: true, idempotentHint: false },
    },
    async ({ instance_id, from, to }) => result(await rest("POST", `/api/cloud/instance/${enc(instance_id)}/rename`, { from, to })),
  );

  server.registerTool(
    "delete_path",
    {
      title: "Delete a file or folder",
      description:
        "Delete a file, a symlink (not what it points to) or a folder with everything in it. Nothing is destroyed at once: it moves into <root>/.anchorage-backups/<path>.<UTC time> (the answer names it), kept until backups expire. A project root and the backup folder cannot be deleted.",
      inputSchema: { instance_id: instanceId, path },
      annotations: { ...changes, destructiveHint: true, idempotentHint: false },
    },
    async ({ instance_id, path }) => result(await rest("DELETE", `/api/cloud/instance/${enc(instance_id)}/file?path=${enc(path)}`)),
  );
}
