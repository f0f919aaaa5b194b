import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { terminalSessionIdSchema, terminalSessionSchema, type TerminalSession } from "@anchorage/common";
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env.ts";
import { newRouter, validationError } from "../../http/router.ts";
import { AppError, notFound } from "../../../core/app-error.ts";
import { assertSocketOrigin } from "../../http/csrf.ts";
import { errorResponses, jsonResponse, signedIn } from "../../http/openapi-common.ts";
import { authenticate } from "../../auth/authenticate.ts";
import { clientIp } from "../../http/client-ip.ts";
import { recordAudit } from "../../audit/audit-log.ts";
import { actorDetail } from "../../../core/auth/principal.ts";
import { eventSink } from "../../audit/event-sink.ts";
import { readRecording, recordingPrefix } from "../../../core/terminal/recordings.ts";
import { requireInstance } from "../../../core/instances/instance-access.ts";
import { findParticipant, findTerminalSession, listTerminalSessions, sessionsJoinable } from "../../../core/terminal/terminal-store.ts";
import { storedRecordingSizes } from "./recording-sizes.ts";
import type { TerminalSessionRow } from "../../../core/db/schema.ts";

export const terminalRoutes = newRouter();
const tags = ["terminal"];
const idParam = z.object({ id: z.string().min(1).max(64) });

const openQuerySchema = z.strictObject({
  cols: z.coerce.number().int().min(2).max(1000).default(80),
  rows: z.coerce.number().int().min(1).max(500).default(24),
  /** Reattach to this session (yours, still alive on the agent). */
  session: terminalSessionIdSchema.optional(),
  /** Output bytes you already have: the replay starts there. */
  since: z.coerce.number().int().min(0).optional(),
  /** 1: the client sends {"type":"ack","offset"} as it takes output in, and the shell keeps its pace. */
  ack: z.enum(["0", "1"]).default("0"),
});

/**
 * `GET /api/cloud/instance/:id/terminal`: a WebSocket to a shell on the instance (DESIGN.md,
 * Contracts: Terminal). `terminal:` permission through permit(); a reattach must name a live
 * session of the caller's own on this instance, so a share cannot be used to read another's shell.
 */
terminalRoutes.get("/instance/:id/terminal", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new AppError("E-VALIDATION", "expected a WebSocket upgrade");
  const principal = await authenticate(c);
  assertSocketOrigin(c.req.raw, principal.via, c.get("config"));
  c.set("principal", principal);
  const q = openQuerySchema.safeParse(c.req.query());
  if (!q.success) throw validationError(q.error, "query");
  const db = c.get("db");
  const { instance } = await requireInstance(db, principal, c.req.param("id"), "terminal:cloud_instance");
  // Someone else's session: only by an invite into it (and their own terminal: access, checked above).
  let join: { mode: "watch" | "drive" } | undefined;
  if (q.data.session) {
    const row = await findTerminalSession(db, q.data.session);
    if (!row || row.instanceId !== instance.id || row.endedAt) throw notFound("terminal session");
    if (row.userId !== principal.userId) {
      const invite = await findParticipant(db, row.id, principal.userId);
      if (!invite) throw notFound("terminal session");
      join = { mode: invite.mode };
    }
  }
  const name = principal.user.name || principal.user.email;
  const headers = new Headers({ upgrade: "websocket", "x-anchorage-terminal": JSON.stringify({ instanceId: instance.id, userId: principal.userId, name, session: q.data.session ?? null, since: q.data.since, ack: q.data.ack === "1", cols: q.data.cols, rows: q.data.rows, ...(join ? { join } : {}) }) });
  const response = await c.env.INSTANCE.get(c.env.INSTANCE.idFromName(instance.id)).fetch(new Request(c.req.url, { headers }));
  if (response.status === 101 && (!q.data.session || join)) {
    const action = join ? "cloud.terminal_joined" : "cloud.terminal_opened";
    await recordAudit(db, { actorId: principal.userId, action, subjectId: instance.id, ip: clientIp(c.req.raw), detail: { ...(join ? { session: q.data.session, mode: join.mode } : {}), ...actorDetail(principal) } }, eventSink(c));
  }
  return response;
});

const sessionSchema = terminalSessionSchema;
/** A session as the API shows it; its recording's size is what R2 holds of it (see storedRecordingSizes). */
const view = (r: TerminalSessionRow, stored: ReadonlyMap<string, number>): TerminalSession => ({
  id: r.id, instance_id: r.instanceId, user_id: r.userId, shell: r.shell, cols: r.cols, rows: r.rows, started_at: r.startedAt,
  ended_at: r.endedAt, end_reason: r.endReason, exit_code: r.exitCode, recorded: r.recorded, recording_bytes: r.recorded ? (stored.get(r.id) ?? 0) : 0,
});

terminalRoutes.openapi(
  createRoute({ method: "get", path: "/instance/{id}/terminals", tags, ...signedIn,
    summary: "Terminal sessions on an instance, newest first: all of them for its owner and admins, otherwise your own and those you were invited into",
    request: { params: idParam }, responses: { 200: jsonResponse(z.object({ sessions: z.array(sessionSchema) }), "Sessions"), ...errorResponses(401, 403, 404) } }),
  async (c) => {
    const p = c.get("principal");
    const { permissions, instance } = await requireInstance(c.get("db"), p, c.req.valid("param").id, "read:cloud_instance");
    const all = permissions.includes("manage:cloud_instance");
    const own = await listTerminalSessions(c.get("db"), instance.id, all ? null : p.userId);
    // The sessions others invited them into are theirs to see too (and to join again).
    const joined = all ? [] : (await sessionsJoinable(c.get("db"), instance.id, p.userId)).filter((r) => !own.some((o) => o.id === r.id));
    const rows = [...own, ...joined].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    const stored = rows.some((r) => r.recorded) ? await storedRecordingSizes(c.env.BLOBS, instance.id) : new Map<string, number>();
    return c.json({ sessions: rows.map((r) => view(r, stored)) }, 200);
  },
);

/** Recordings are for the instance's owner and admins (a sharee's own shell included: it ran on the owner's machine). */
async function loadRecordingSession(c: Context<AppEnv>, sessionId: string) {
  const row = await findTerminalSession(c.get("db"), sessionId);
  if (!row) throw notFound("terminal session");
  await requireInstance(c.get("db"), c.get("principal"), row.instanceId, "manage:cloud_instance").catch((e) => {
    throw e instanceof AppError && e.code === "E-AUTH-FORBID" ? notFound("terminal session") : e;
  });
  return row;
}

terminalRoutes.openapi(
  createRoute({ method: "get", path: "/terminals/{sessionId}/recording", tags, ...signedIn,
    summary: "A session's recording, asciicast v2 (output and resizes; keystrokes are not recorded). Owner and admins only",
    request: { params: z.object({ sessionId: terminalSessionIdSchema }) },
    responses: { 200: { description: "asciicast v2", content: { "application/x-asciicast": { schema: z.string() } } }, ...errorResponses(401, 404) } }),
  async (c) => {
    const row = await loadRecordingSession(c, c.req.valid("param").sessionId);
    const body = row.recorded ? await readRecording(c.env.BLOBS, recordingPrefix(row.instanceId, row.id)) : null;
    if (!body) throw notFound("recording (the session was not recorded)");
    return new Response(body, { headers: { "content-type": "application/x-asciicast", "content-disposition": `attachment; filename="${row.id}.cast"` } }) as never;
  },
);
