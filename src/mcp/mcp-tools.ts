import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { restErrorText, type RestAnswer, type RestCall } from "./rest-call.ts";

export type ToolContext = {
  rest: RestCall;
  /** Streams a running command's output to `onOutput` until closed. */
  watchCommand: (instanceId: string, command: string, onOutput: (text: string) => void) => Promise<{ close(): void }>;
};

export const instanceId = z.string().min(1).max(64).describe("the instance id (ins_…), from list_user_instances");
const repo = z.string().min(1).max(4096).describe("the repository's absolute path on the instance (from git repos)");
const enc = encodeURIComponent;

/** A REST answer as a tool result: the JSON on success, the API's own error code and message on failure. */
export function result(a: RestAnswer, pick: (body: any) => unknown = (b) => b): CallToolResult {
  if (a.status >= 400) return { isError: true, content: [{ type: "text", text: restErrorText(a) }] };
  const value = pick(a.body);
  return {
    content: [{ type: "text", text: JSON.stringify(value, null, 2) }],
    ...(value && typeof value === "object" && !Array.isArray(value) ? { structuredContent: value as Record<string, unknown> } : {}),
  };
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The sync routes' body (DESIGN's contract), from a tool's arguments. */
const syncBody = (a: { source: string; destination: string; source_path: string; target_path: string; exclude?: string[]; delete?: boolean }) => ({
  sourceInstanceId: a.source,
  destinationInstanceId: a.destination,
  sourcePath: a.source_path,
  targetPath: a.target_path,
  options: { exclude: a.exclude ?? [], delete: a.delete ?? false },
});

export const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

/**
 * The tools, mirroring the Cloud Manager's MCP commands. Each one is a REST call made with the
 * caller's credential, so it can do exactly what that credential may do over REST.
 */
export function registerTools(server: McpServer, { rest, watchCommand }: ToolContext): void {
  server.registerTool(
    "list_user_instances",
    { title: "List instances", description: "Instances you own or that are shared with you: id, name, status, your permissions and latest stats.", annotations: readOnly },
    async () =>
      result(await rest("GET", "/api/cloud/instances"), (b) => ({
        instances: (b.instances as any[]).map((i) => ({ id: i.id, name: i.name, status: i.status, relation: i.relation, permissions: i.permissions, hostname: i.hostname, platform: i.platform, last_seen_at: i.last_seen_at, stats: i.stats ?? null })),
      })),
  );

  server.registerTool(
    "get_status",
    { title: "Instance status", description: "Whether the instance's agent answers now (round trip in ms), with its record.", inputSchema: { instance_id: instanceId }, annotations: { ...readOnly, idempotentHint: false } },
    async ({ instance_id }) => {
      const [record, ping] = await Promise.all([rest("GET", `/api/cloud/instance/${enc(instance_id)}`), rest("GET", `/api/cloud/instance/${enc(instance_id)}/status`)]);
      if (record.status >= 400) return result(record);
      return result(ping, (p) => ({ instance: record.body, ...p }));
    },
  );

  server.registerTool(
    "get_logs",
    { title: "Recent logs", description: "The newest log lines the agent tailed (up to `limit`), or those after sequence number `since`.", inputSchema: { instance_id: instanceId, limit: z.number().int().min(1).max(2000).default(200), since: z.number().int().min(0).optional() }, annotations: readOnly },
    async ({ instance_id, limit, since }) => result(await rest("GET", `/api/cloud/instance/${enc(instance_id)}/logs?limit=${limit}${since !== undefined ? `&since=${since}` : ""}`)),
  );

  server.registerTool(
    "run_command",
    {
      title: "Run a command",
      description: "Run one of the instance's allowed commands (a builtin or one named in its config) as argv, never through a shell. Output is sent as progress notifications while it runs; the result has the exit code and the output's tail.",
      inputSchema: { instance_id: instanceId, command: z.string().min(1).max(40).describe("the command's name, e.g. disk"), timeout_seconds: z.number().int().min(1).max(3600).default(120) },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    async ({ instance_id, command, timeout_seconds }, extra) => {
      const token = extra._meta?.progressToken;
      let progress = 0;
      const watch = token === undefined
        ? { close() {} }
        : await watchCommand(instance_id, command, (text) => {
            void extra.sendNotification({ method: "notifications/progress", params: { progressToken: token, progress: ++progress, message: text } }).catch(() => undefined);
          });
      try {
        return result(await rest("POST", `/api/cloud/instance/${enc(instance_id)}/command`, { command, timeout_seconds }));
      } finally {
        watch.close();
      }
    },
  );

  server.registerTool(
    "restart_instance",
    { title: "Restart the agent", description: "Restart the instance's agent process in place (its `restart` builtin). Open terminals on it end.", inputSchema: { instance_id: instanceId }, annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false } },
    async ({ instance_id }) => result(await rest("POST", `/api/cloud/instance/${enc(instance_id)}/command`, { command: "restart", timeout_seconds: 30 })),
  );

  server.registerTool(
    "git_status",
    { title: "Git status", description: "Branch, upstream, staged/unstaged/untracked/conflicted files, and any merge or rebase in progress.", inputSchema: { instance_id: instanceId, repo }, annotations: readOnly },
    async ({ instance_id, repo }) => result(await rest("GET", `/api/cloud/instance/${enc(instance_id)}/git/status?repo=${enc(repo)}`)),
  );

  server.registerTool(
    "git_repos",
    { title: "Git repositories", description: "Every git repository under the instance's project roots.", inputSchema: { instance_id: instanceId }, annotations: readOnly },
    async ({ instance_id }) => result(await rest("GET", `/api/cloud/instance/${enc(instance_id)}/git/repos`)),
  );

  server.registerTool(
    "git_diff",
    {
      title: "Git diff",
      description: "A unified diff: the working tree against the index (mode worktree, the default), the index against HEAD (mode index), or two commits (from, to).",
      inputSchema: { instance_id: instanceId, repo, mode: z.enum(["worktree", "index", "commits"]).optional(), from: z.string().max(200).optional(), to: z.string().max(200).optional(), path: z.string().max(4096).optional() },
      annotations: readOnly,
    },
    async ({ instance_id, repo, mode, from, to, path }) => {
      const q = new URLSearchParams({ repo });
      for (const [k, v] of Object.entries({ mode, from, to, path })) if (v !== undefined) q.set(k, v);
      return result(await rest("GET", `/api/cloud/instance/${enc(instance_id)}/git/diff?${q}`));
    },
  );

  server.registerTool(
    "proxy_status",
    { title: "Proxies", description: "Every published app you may reach: its URLs, access policy and whether it is paused (and why).", inputSchema: { instance_id: instanceId.optional() }, annotations: readOnly },
    async ({ instance_id }) => result(await rest("GET", "/api/cloud/proxies"), (b) => ({ proxies: instance_id ? (b.proxies as any[]).filter((p) => p.instance_id === instance_id) : b.proxies })),
  );

  server.registerTool(
    "toggle_proxy",
    { title: "Pause or resume a proxy", description: "Pause an instance's published app (visitors get 503 with the reason) or resume it.", inputSchema: { instance_id: instanceId, inactive: z.boolean().describe("true pauses, false resumes"), reason: z.string().max(200).optional() }, annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false } },
    async ({ instance_id, inactive, reason }) => result(await rest("POST", `/api/cloud/proxies/${enc(instance_id)}/toggle`, { inactive, ...(reason ? { reason } : {}) })),
  );

  const path = z.string().min(1).max(4096).describe("an absolute path on the instance, under one of its project roots (see the instance's folders)");

  server.registerTool(
    "read_file",
    {
      title: "Read a file",
      description: "A file's content (at most 1 MiB), as text when it is UTF-8, else as a base64 blob; with its SHA-256, to pass to write_file as if_match.",
      inputSchema: { instance_id: instanceId, path },
      annotations: readOnly,
    },
    async ({ instance_id, path }) => {
      const a = await rest("GET", `/api/cloud/instance/${enc(instance_id)}/file?path=${enc(path)}`);
      if (a.status >= 400) return result(a);
      const sha256 = a.headers.get("etag")?.replaceAll('"', "") ?? null;
      let text: string | null;
      try {
        text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(a.bytes);
      } catch {
        text = null;
      }
      const meta = { path, size: a.bytes.length, sha256 };
      if (text !== null) return { content: [{ type: "text", text }], structuredContent: { ...meta, content: text } };
      return {
        content: [{ type: "resource", resource: { uri: `anchorage://instances/${instance_id}/files${path}`, mimeType: "application/octet-stream", blob: base64(a.bytes) } }],
        structuredContent: meta,
      };
    },
  );

  server.registerTool(
    "write_file",
    {
      title: "Write a file",
      description:
        "Write a whole file (UTF-8 text, at most 1 MiB), atomically. An existing file keeps its mode and its previous content is kept under <root>/.anchorage-backups/. With if_match (the sha256 read_file gave), the write is refused if the file changed since.",
      inputSchema: { instance_id: instanceId, path, content: z.string().max(1024 * 1024), if_match: z.string().regex(/^[0-9a-f]{64}$/).optional().describe("the SHA-256 the file must still have") },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ instance_id, path, content, if_match }) =>
      result(await rest("PUT", `/api/cloud/instance/${enc(instance_id)}/file?path=${enc(path)}`, new TextEncoder().encode(content), if_match ? { "if-match": `"${if_match}"` } : undefined)),
  );

  server.registerTool(
    "compare_files_cross_instance",
    {
      title: "Compare folders across instances",
      description:
        "Compare a folder on one instance with a folder on another (or the same): every file is listed as identical, different, new (only on the source), only_destination, or destination_newer (a conflict). Text differing only in CRLF vs LF is identical. node_modules and .git are left out by default.",
      inputSchema: {
        source_instance_id: instanceId,
        destination_instance_id: instanceId,
        source_path: path,
        target_path: path,
        exclude: z.array(z.string().min(1).max(300)).max(200).optional().describe("more globs to leave out, e.g. dist/** or *.log"),
      },
      annotations: readOnly,
    },
    async ({ source_instance_id, destination_instance_id, source_path, target_path, exclude }) =>
      result(
        await rest("POST", "/api/cloud/sync/compare-cross-instance", syncBody({ source: source_instance_id, destination: destination_instance_id, source_path, target_path, exclude })),
      ),
  );

  server.registerTool(
    "cross_instance_sync_folder",
    {
      title: "Sync a folder to another instance",
      description:
        "Make a folder on the destination instance match a folder on the source: new and changed files are sent (only content not already stored moves), each replaced file backed up under .anchorage-backups/ on the destination. With delete: true, files only on the destination are moved into that backup folder (refused when more than 10 files and more than a quarter of the destination would go). A missing or empty source is refused. Answers an operationId; follow it with get_sync_operation.",
      inputSchema: {
        source_instance_id: instanceId,
        destination_instance_id: instanceId,
        source_path: path,
        target_path: path,
        exclude: z.array(z.string().min(1).max(300)).max(200).optional().describe("more globs to leave out, e.g. dist/** or *.log"),
        delete: z.boolean().optional().describe("also remove (into the backup folder) files only on the destination; default false"),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ source_instance_id, destination_instance_id, source_path, target_path, exclude, delete: del }) =>
      result(
        await rest("POST", "/api/cloud/sync/cross-instance", syncBody({ source: source_instance_id, destination: destination_instance_id, source_path, target_path, exclude, delete: del })),
      ),
  );

  server.registerTool(
    "sync_files",
    {
      title: "Sync a folder within one instance",
      description:
        "Make one folder on an instance match another folder on the same instance, the way cross_instance_sync_folder does between two (new and changed files sent, replaced files backed up under .anchorage-backups/, delete only when asked, a missing or empty source refused). Answers an operationId; follow it with get_sync_operation.",
      inputSchema: { instance_id: instanceId, source_path: path, target_path: path, exclude: z.array(z.string().min(1).max(300)).max(200).optional(), delete: z.boolean().optional() },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ instance_id, source_path, target_path, exclude, delete: del }) =>
      result(
        await rest("POST", "/api/cloud/sync/cross-instance", syncBody({ source: instance_id, destination: instance_id, source_path, target_path, exclude, delete: del })),
      ),
  );

  server.registerTool(
    "cross_instance_sync_files",
    {
      title: "Sync chosen files to another instance",
      description:
        "Send only the named files (relative to source_path) from one instance to another: each is compared first and skipped when already identical. Answers an operationId; follow it with get_sync_operation.",
      inputSchema: { source_instance_id: instanceId, destination_instance_id: instanceId, source_path: path, target_path: path, files: z.array(z.string().min(1).max(4096)).min(1).max(100_000) },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ source_instance_id, destination_instance_id, source_path, target_path, files }) =>
      result(
        await rest("POST", "/api/cloud/sync/execute-from-comparison", { ...syncBody({ source: source_instance_id, destination: destination_instance_id, source_path, target_path }), files }),
      ),
  );

  server.registerTool(
    "execute_sync_from_comparison",
    {
      title: "Sync files chosen from a comparison",
      description:
        "Sync only the chosen paths from a compare_files_cross_instance result. The folders are compared again first, so a path that is identical by now is skipped; only_destination paths are removed (into the backup folder) only with delete: true. Answers an operationId; follow it with get_sync_operation.",
      inputSchema: {
        source_instance_id: instanceId,
        destination_instance_id: instanceId,
        source_path: path,
        target_path: path,
        files: z.array(z.string().min(1).max(4096)).min(1).max(100_000).describe("relative paths, as the comparison listed them"),
        exclude: z.array(z.string().min(1).max(300)).max(200).optional(),
        delete: z.boolean().optional(),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ source_instance_id, destination_instance_id, source_path, target_path, files, exclude, delete: del }) =>
      result(
        await rest("POST", "/api/cloud/sync/execute-from-comparison", { ...syncBody({ source: source_instance_id, destination: destination_instance_id, source_path, target_path, exclude, delete: del }), files }),
      ),
  );

  server.registerTool(
    "get_sync_operation",
    {
      title: "A sync's progress",
      description: "The state of a sync started by cross_instance_sync_folder: running, done, failed (with the error) or cancelled; files total and done; bytes total, uploaded (content the source sent; 0 when all was already stored) and downloaded.",
      inputSchema: { operation_id: z.string().min(3).max(140) },
      annotations: readOnly,
    },
    async ({ operation_id }) => result(await rest("GET", `/api/cloud/sync/operations/${enc(operation_id)}`)),
  );

  // Resources: an instance's health history and recent logs, for clients that read context.
  const instances = async () => {
    const a = await rest("GET", "/api/cloud/instances");
    return a.status >= 400 ? [] : (a.body.instances as { id: string; name: string }[]);
  };
  const asResource = (uri: URL, a: RestAnswer) => {
    if (a.status >= 400) throw new Error(restErrorText(a));
    return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(a.body) }] };
  };
  server.registerResource(
    "instance-health",
    new ResourceTemplate("anchorage://instances/{id}/health", { list: async () => ({ resources: (await instances()).map((i) => ({ uri: `anchorage://instances/${i.id}/health`, name: `${i.name} health` })) }) }),
    { title: "Instance health", description: "CPU, memory and disk at 1-minute resolution, the last 24 hours", mimeType: "application/json" },
    async (uri, { id }) => asResource(uri, await rest("GET", `/api/cloud/instance/${enc(String(id))}/health?hours=24`)),
  );
  server.registerResource(
    "instance-logs",
    new ResourceTemplate("anchorage://instances/{id}/logs", { list: async () => ({ resources: (await instances()).map((i) => ({ uri: `anchorage://instances/${i.id}/logs`, name: `${i.name} logs` })) }) }),
    { title: "Instance logs", description: "The newest 500 log lines the agent tailed", mimeType: "application/json" },
    async (uri, { id }) => asResource(uri, await rest("GET", `/api/cloud/instance/${enc(String(id))}/logs?limit=500`)),
  );
}
