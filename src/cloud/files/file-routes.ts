import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import type { Context } from "hono";
import {
  BACKUP_DIR,
  browseResultSchema,
  deleteResultSchema,
  errorBodySchema,
  FILE_MAX_BYTES,
  fileCallParams,
  fileCallResults,
  foldersResultSchema,
  instancePathSchema,
  mkdirResultSchema,
  renameResultSchema,
  scanResultSchema,
  writeResultSchema,
  type Action,
  type FileCallMethod,
} from "@anchorage/common";
import type { AppEnv } from "../../http/app-env.ts";
import { newRouter, validationError } from "../../http/router.ts";
import { AppError } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { readBodyWithin } from "../../http/read-body-within.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, signedIn } from "../../http/openapi-common.ts";
import { requireUser } from "../../auth/require-user.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { actorDetail } from "../../../core/auth/principal.ts";
import { requireInstance } from "../../../core/instances/instance-access.ts";
import { refuseGitDirPaths, refuseGitDirWrite } from "../../../core/files/git-dir-writes.ts";
import { attachmentDisposition } from "./content-disposition.ts";
import type { DoResult } from "../../../core/rpc/do-result.ts";
import type { ScanResult } from "@anchorage/common";

/**
 * Files on an instance (issue #7; DESIGN.md, Contracts: Cloud paths): the project roots, a folder's
 * entries, one file's bytes read or written whole, and a scan of a tree; and what a file manager
 * needs besides (issue #21): make a folder, rename or move, delete into the backup folder. Paths are
 * absolute on the instance and the agent confines each to its roots (symlinks resolved). Reading
 * needs `read:`; writing, moving, deleting and scanning `sync:` (a scan is the first half of a
 * sync); a write under .git also `command:` (core/files/git-dir-writes.ts). Every change is audited.
 */
export const fileRoutes = newRouter();
const tags = ["files"];
const idParam = z.object({ id: z.string().min(1).max(64) });
const pathQuery = z.object({ path: instancePathSchema });
const fileQuery = { params: idParam, query: pathQuery };
const errors = errorResponses(400, 401, 403, 404, 413, 503, 504);
const changeErrors = errorResponses(400, 401, 403, 404, 409, 503, 504);

/** Whether a request is a file upload, which carries up to FILE_MAX_BYTES instead of the API's 64 KiB bodies. */
export const isFileUpload = (method: string, path: string) => method === "PUT" && /^\/api\/cloud\/instance\/[^/]+\/file$/.test(path);

type Ctx = Context<AppEnv>;

/** Checks the caller may do `action` on the instance, then runs one file call on its agent. */
async function fileCall<M extends FileCallMethod>(c: Ctx, action: Action, method: M, params: unknown, body?: Uint8Array) {
  const p = c.get("principal");
  const access = await requireInstance(c.get("db"), p, c.req.param("id")!, action);
  const { instance } = access;
  const checked = fileCallParams[method].safeParse(params);
  if (!checked.success) throw validationError(checked.error, c.req.method === "GET" || c.req.method === "DELETE" || method === "files.write" ? "query" : "body");
  // Every file call of the API passes here: a write under .git needs command: (issue 19).
  refuseGitDirWrite(access, method, checked.data);
  const r = (await c.env.INSTANCE.get(c.env.INSTANCE.idFromName(instance.id)).fileCall(method, checked.data, body)) as DoResult<{ result: unknown; body: Uint8Array }>;
  if (!r.ok) throw new AppError(r.code, r.message);
  const result = fileCallResults[method].safeParse(r.value.result);
  if (!result.success) throw new AppError("E-INTERNAL", `the agent answered ${method} with a malformed result`);
  return { instance, result: result.data as z.infer<(typeof fileCallResults)[M]>, body: r.value.body };
}

fileRoutes.openapi(
  createRoute({ method: "get", path: "/instance/{id}/folders", tags, ...signedIn, summary: "The instance's project roots (the only folders browse, files and sync reach), and whether each exists",
    request: { params: idParam }, responses: { 200: jsonResponse(foldersResultSchema, "Roots"), ...errors } }),
  async (c) => c.json((await fileCall(c, "read:cloud_instance", "files.folders", {})).result, 200),
);

fileRoutes.openapi(
  createRoute({ method: "get", path: "/instance/{id}/browse", tags, ...signedIn, summary: "A folder's entries (name, type, size, mtime, mode), folders first; symlinks are listed, not followed",
    request: { params: idParam, query: pathQuery }, responses: { 200: jsonResponse(browseResultSchema, "Entries"), ...errors } }),
  async (c) => c.json((await fileCall(c, "read:cloud_instance", "files.browse", { path: c.req.valid("query").path })).result, 200),
);

fileRoutes.openapi(
  createRoute({ method: "post", path: "/instance/{id}/scan", tags, ...signedIn,
    summary: "Every file under a folder with size, mtime, mode, SHA-256 and MD5 (CRLF → LF for text); exclusions are globs added to the agent's sync.exclude; verify rehashes instead of trusting the cache",
    request: { params: idParam, body: jsonBody(fileCallParams["files.scan"]) }, responses: { 200: jsonResponse(scanResultSchema, "The scan"), ...errors } }),
  async (c) => {
    const p = c.get("principal");
    const { instance } = await requireInstance(c.get("db"), p, c.req.param("id"), "sync:cloud_instance");
    const r = (await c.env.INSTANCE.get(c.env.INSTANCE.idFromName(instance.id)).scan(c.req.valid("json"))) as DoResult<ScanResult>;
    if (!r.ok) throw new AppError(r.code, r.message);
    return c.json(r.value, 200);
  },
);

// Reading and writing a file move bytes, not JSON: plain routes, described for /openapi.json below.

fileRoutes.get("/instance/:id/file", requireUser, async (c) => {
  const q = pathQuery.safeParse(c.req.query());
  if (!q.success) throw validationError(q.error, "query");
  const { result, body } = await fileCall(c, "read:cloud_instance", "files.read", { path: q.data.path });
  return c.body(body as Uint8Array<ArrayBuffer>, 200, {
    "Content-Type": "application/octet-stream",
    "Content-Length": String(body.length),
    ETag: `"${result.sha256}"`,
    "Last-Modified": new Date(result.mtime).toUTCString(),
    "X-File-Mode": result.mode.toString(8).padStart(4, "0"),
    "Cache-Control": "private, no-store",
    // The bytes are whatever is on the instance: never rendered on the dashboard's origin.
    "Content-Security-Policy": "default-src 'none'; sandbox",
    // Never shown inline; saved under the file's own name (RFC 6266, non-ASCII names included).
    "Content-Disposition": attachmentDisposition(result.path.slice(result.path.lastIndexOf("/") + 1)),
  });
});

fileRoutes.put("/instance/:id/file", requireUser, async (c) => {
  const q = pathQuery.safeParse(c.req.query());
  if (!q.success) throw validationError(q.error, "query");
  const ifMatch = c.req.header("if-match");
  const ifNoneMatch = c.req.header("if-none-match");
  const match = ifMatch === undefined ? undefined : /^"([0-9a-f]{64})"$/.exec(ifMatch.trim())?.[1];
  if (ifMatch !== undefined && !match) throw new AppError("E-VALIDATION", 'If-Match must be the quoted SHA-256 a read answered as ETag ("…")');
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== "*") throw new AppError("E-VALIDATION", "If-None-Match may only be * (create only)");
  // The caller's access is checked before the body is read (fileCall checks again, with the body).
  const p = c.get("principal");
  refuseGitDirPaths(await requireInstance(c.get("db"), p, c.req.param("id"), "sync:cloud_instance"), [q.data.path]);
  const bytes = await readBodyWithin(c.req.raw, FILE_MAX_BYTES).catch((e: unknown) => {
    throw e instanceof AppError && e.code === "E-PAYLOAD-TOO-LARGE" ? uploadTooLarge() : e;
  });
  const params = { path: q.data.path, size: bytes.length, ...(match ? { if_match: match } : {}), create_only: ifNoneMatch !== undefined };
  const { instance, result } = await fileCall(c, "sync:cloud_instance", "files.write", params, bytes);
  await recordAudit(c.get("db"), { actorId: p.userId, action: "cloud.file_write", subjectId: instance.id, ip: clientIp(c.req.raw), detail: { path: result.path, size: result.size, created: result.created, ...actorDetail(p) } }, eventSink(c));
  c.header("ETag", `"${result.sha256}"`);
  return c.json(result, result.created ? 201 : 200);
});

/** A file upload over the limit: the JSON error shape, naming the limit (a reader sees it in the dashboard as is). */
const uploadTooLarge = () =>
  new AppError("E-PAYLOAD-TOO-LARGE", `a file upload is at most 1 MiB (${FILE_MAX_BYTES} bytes) and this one is larger: send larger files with a sync`);

/** Audits a change made on the instance, like cloud.file_write. */
const auditChange = (c: Ctx, instanceId: string, action: string, detail: Record<string, unknown>) => {
  const p = c.get("principal");
  return recordAudit(c.get("db"), { actorId: p.userId, action, subjectId: instanceId, ip: clientIp(c.req.raw), detail: { ...detail, ...actorDetail(p) } }, eventSink(c));
};

fileRoutes.openapi(
  createRoute({ method: "post", path: "/instance/{id}/mkdir", tags, ...signedIn,
    summary: "Make a folder. Anything already there: 409; a missing parent: 404, unless parents: true (then made too, like mkdir -p). Audited as cloud.file_mkdir",
    request: { params: idParam, body: jsonBody(fileCallParams["files.mkdir"]) }, responses: { 201: jsonResponse(mkdirResultSchema, "Made"), ...changeErrors } }),
  async (c) => {
    const { instance, result } = await fileCall(c, "sync:cloud_instance", "files.mkdir", c.req.valid("json"));
    await auditChange(c, instance.id, "cloud.file_mkdir", { path: result.path });
    return c.json(result, 201);
  },
);

fileRoutes.openapi(
  createRoute({ method: "post", path: "/instance/{id}/rename", tags, ...signedIn,
    summary:
      "Rename or move a file, folder or symlink (the link itself) within the roots, atomically. Never replaces: something at `to` is 409, so is `to` on another file system; a root, the backup folder, a move into it or into the folder itself are refused. Audited as cloud.file_rename",
    request: { params: idParam, body: jsonBody(fileCallParams["files.rename"]) }, responses: { 200: jsonResponse(renameResultSchema, "Moved"), ...changeErrors } }),
  async (c) => {
    const { instance, result } = await fileCall(c, "sync:cloud_instance", "files.rename", c.req.valid("json"));
    await auditChange(c, instance.id, "cloud.file_rename", { from: result.from, to: result.to });
    return c.json(result, 200);
  },
);

fileRoutes.openapi(
  createRoute({ method: "delete", path: "/instance/{id}/file", tags, ...signedIn,
    summary: `Delete a file, a symlink (not its target) or a folder with everything in it: moved whole into <root>/${BACKUP_DIR}/<path>.<UTC time>, named in the answer, kept until backups expire (sync.backup_days). A root, the backup folder and what is in it are refused. Audited as cloud.file_delete`,
    request: fileQuery, responses: { 200: jsonResponse(deleteResultSchema, "Moved into the backup folder"), ...changeErrors } }),
  async (c) => {
    const { instance, result } = await fileCall(c, "sync:cloud_instance", "files.delete", { path: c.req.valid("query").path });
    await auditChange(c, instance.id, "cloud.file_delete", { path: result.path, type: result.type, backup: result.backup });
    return c.json(result, 200);
  },
);
fileRoutes.openAPIRegistry.registerPath({
  method: "get", path: "/instance/{id}/file", tags, security: bearerSecurity,
  summary: `A file's bytes (at most ${FILE_MAX_BYTES} bytes; larger: 413), with its SHA-256 as ETag, mtime as Last-Modified and mode as X-File-Mode (octal)`,
  request: fileQuery,
  responses: {
    200: { description: "The bytes", content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } } },
    ...errors,
  },
});
fileRoutes.openAPIRegistry.registerPath({
  method: "put", path: "/instance/{id}/file", tags, security: bearerSecurity,
  summary: "Write a file whole, atomically (temp file + rename). An existing file keeps its mode and its previous content is kept under <root>/.anchorage-backups/. If-Match: \"<sha256>\" writes only over that content; If-None-Match: * only creates",
  request: {
    ...fileQuery,
    headers: z.object({ "if-match": z.string().optional(), "if-none-match": z.string().optional() }),
    body: { required: true, content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } } },
  },
  responses: {
    200: jsonResponse(writeResultSchema, "Replaced (backup names the previous content's copy)"),
    201: jsonResponse(writeResultSchema, "Created"),
    412: { description: "If-Match or If-None-Match did not hold", content: { "application/json": { schema: errorBodySchema } } },
    ...errors,
  },
});
