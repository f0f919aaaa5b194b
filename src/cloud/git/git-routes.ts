import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { actionRecordSchema, gitFields, gitRequestSchema, gitResultSchemas, type GitOp, type GitRequest } from "@anchorage/common";
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env.ts";
import { newRouter, validationError } from "../../http/router.ts";
import { AppError } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { errorResponses, jsonBody, jsonResponse, signedIn } from "../../http/openapi-common.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { actorDetail } from "../../../core/auth/principal.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { requireInstance } from "../../../core/instances/instance-access.ts";
import type { DoResult } from "../../../core/rpc/do-result.ts";

/**
 * Git on an instance (DESIGN.md, Contracts: Git): `/api/cloud/instance/:id/git/<op>`, the
 * repository named by its absolute path (`repo` in the query for GET, in the body for POST).
 * Every call needs `git:` permission; the agent runs git with argv and confines every path. A
 * caller without `command:` gets untrusted git: no program the repository configures runs.
 */
export const gitRoutes = newRouter();
const tags = ["git"];
const idParam = z.object({ id: z.string().min(1).max(64) });
const errors = errorResponses(400, 401, 403, 404, 409, 503, 504);

/** Sends one git operation to the instance, and checks the agent's answer against the contract. */
async function runGit<O extends GitOp>(c: Context<AppEnv>, op: O, fields: unknown): Promise<z.infer<(typeof gitResultSchemas)[O]>> {
  const p = c.get("principal");
  const { instance, permissions } = await requireInstance(c.get("db"), p, c.req.param("id")!, "git:cloud_instance");
  // Trusted git may start what the repository configures (hooks, fsmonitor, filters): only for
  // someone who may run commands here anyway (issue 19). Set last, so no query or body sets it.
  const trusted = permissions.includes("command:cloud_instance");
  const parsed = gitRequestSchema.safeParse({ ...(fields as object), op, trusted });
  if (!parsed.success) throw validationError(parsed.error, c.req.method === "GET" ? "query" : "body");
  const r = (await c.env.INSTANCE.get(c.env.INSTANCE.idFromName(instance.id)).git(parsed.data as GitRequest, p.userId)) as DoResult<unknown>;
  if (!r.ok) throw new AppError(r.code, r.message);
  const value = r.value;
  const result = (op === "fetch" || op === "pull" || op === "push" ? actionRecordSchema : gitResultSchemas[op]).safeParse(value);
  if (!result.success) throw new AppError("E-INTERNAL", `the agent answered ${op} with a malformed result`);
  if (c.req.method !== "GET") {
    await recordAudit(c.get("db"), { actorId: p.userId, action: `cloud.git_${op}`, subjectId: instance.id, ip: clientIp(c.req.raw), detail: { repo: (parsed.data as { repo?: string }).repo, ...actorDetail(p) } }, eventSink(c));
  }
  return result.data as never;
}

const repoQuery = z.object({ repo: z.string().min(1).max(4096) });

gitRoutes.openapi(
  createRoute({ method: "get", path: "/instance/{id}/git/repos", tags, ...signedIn, summary: "Every repository under the instance's project roots", request: { params: idParam },
    responses: { 200: jsonResponse(gitResultSchemas.repos, "Repositories"), ...errors } }),
  async (c) => c.json(await runGit(c, "repos", {}), 200),
);

gitRoutes.openapi(
  createRoute({ method: "get", path: "/instance/{id}/git/status", tags, ...signedIn, summary: "Staged, unstaged, untracked and conflicted files; branch, upstream, and any merge or rebase in progress",
    request: { params: idParam, query: repoQuery }, responses: { 200: jsonResponse(gitResultSchemas.status, "Status"), ...errors } }),
  async (c) => c.json(await runGit(c, "status", c.req.valid("query")), 200),
);

gitRoutes.openapi(
  createRoute({ method: "get", path: "/instance/{id}/git/log", tags, ...signedIn, summary: "Commits, newest first, paged with skip and limit",
    request: { params: idParam, query: repoQuery.extend({ ref: z.string().optional(), skip: z.coerce.number().int().optional(), limit: z.coerce.number().int().optional() }) },
    responses: { 200: jsonResponse(gitResultSchemas.log, "Commits"), ...errors } }),
  async (c) => c.json(await runGit(c, "log", c.req.valid("query")), 200),
);

gitRoutes.openapi(
  createRoute({ method: "get", path: "/instance/{id}/git/diff", tags, ...signedIn,
    summary: "A diff: of the working tree (mode=worktree), of the index (mode=index), or between two commits (mode=commits&from=…&to=…); `path` may repeat",
    request: { params: idParam, query: repoQuery.extend({ mode: z.string().optional(), from: z.string().optional(), to: z.string().optional(), path: z.union([z.string(), z.array(z.string())]).optional() }) },
    responses: { 200: jsonResponse(gitResultSchemas.diff, "Diff"), ...errors } }),
  async (c) => {
    const { path, ...q } = c.req.valid("query");
    return c.json(await runGit(c, "diff", { ...q, paths: path === undefined ? [] : [path].flat() }), 200);
  },
);

gitRoutes.openapi(
  createRoute({ method: "get", path: "/instance/{id}/git/branches", tags, ...signedIn, summary: "Local branches, with the current one", request: { params: idParam, query: repoQuery },
    responses: { 200: jsonResponse(gitResultSchemas.branches, "Branches"), ...errors } }),
  async (c) => c.json(await runGit(c, "branches", c.req.valid("query")), 200),
);

const post = <O extends GitOp, B extends z.ZodType>(path: string, op: O, body: B, summary: string, answer: z.ZodType) =>
  gitRoutes.openapi(
    createRoute({ method: "post", path: `/instance/{id}/git/${path}`, tags, ...signedIn, summary, request: { params: idParam, body: jsonBody(body) },
      responses: { 200: jsonResponse(answer, "Done"), ...errors } }),
    // The body was validated against `body` already; the generic loses its type, not its check.
    async (c) => c.json((await runGit(c, op, c.req.valid("json" as never))) as object, 200),
  );

post("stage", "stage", gitFields.stage, "Stage files (deletions included); answers the new status", gitResultSchemas.stage);
post("unstage", "unstage", gitFields.unstage, "Unstage files; answers the new status", gitResultSchemas.unstage);
post("branches", "branch-create", gitFields["branch-create"], "Create a branch (from `start`, default HEAD), and switch to it with checkout:true", gitResultSchemas["branch-create"]);
post("branches/delete", "branch-delete", gitFields["branch-delete"], "Delete a branch (force:true for one not merged)", gitResultSchemas["branch-delete"]);
post("checkout", "checkout", gitFields.checkout, "Switch to a branch; refused in the middle of a merge or rebase", gitResultSchemas.checkout);
for (const op of ["fetch", "pull", "push"] as const) {
  post(op, op, gitFields.remote, `git ${op}${op === "pull" ? " (fast-forward only)" : ""}: runs as an action, its output streamed as cloud:command-progress events`, actionRecordSchema);
}

gitRoutes.openapi(
  createRoute({ method: "post", path: "/instance/{id}/git/commit", tags, ...signedIn, summary: "Commit what is staged, as the signed-in user (name and email)",
    request: { params: idParam, body: jsonBody(gitFields.commit.omit({ author: true })) }, responses: { 200: jsonResponse(gitResultSchemas.commit, "The commit"), ...errors } }),
  async (c) => {
    const user = c.get("principal").user;
    return c.json(await runGit(c, "commit", { ...c.req.valid("json"), author: { name: user.name || user.email, email: user.email } }), 200);
  },
);
