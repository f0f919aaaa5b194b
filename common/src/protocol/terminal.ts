import { z } from "zod";
import { emailSchema } from "../auth.ts";

/**
 * The terminal (DESIGN.md, Contracts: Terminal) on its two legs:
 * browser ↔ InstanceDO: binary frames are terminal bytes both ways, text frames JSON control;
 * InstanceDO ↔ agent: one `pty` stream per attachment, bytes as DATA, control as HEAD-flagged JSON.
 * The shell lives on the agent, so a dropped browser (or a dropped agent socket, or an evicted
 * object) detaches it without killing it; reattaching replays from a byte offset.
 */

export const terminalSessionIdSchema = z.string().regex(/^tty_[A-Za-z0-9_-]{8,40}$/, "a terminal session id (tty_…)");
const cols = z.number().int().min(2).max(1000);
const rows = z.number().int().min(1).max(500);

// ── browser ↔ InstanceDO ───────────────────────────────────────────────────

/** What the browser sends as text frames. */
export const terminalClientMessageSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("resize"), cols, rows }),
  /** Ends the shell now (closing the socket only detaches). */
  z.strictObject({ type: z.literal("close") }),
  /** A keep-alive: answered with `pong`. */
  z.strictObject({ type: z.literal("ping") }),
  /**
   * With `ack=1` on the URL: the output offset the client has taken in. The shell is then held back
   * (64 KiB in flight at most) until the client keeps up, so a flood waits in the kernel, not in
   * buffers between, and other terminals' echoes do not queue behind it. Ack each 16 KiB or so.
   */
  z.strictObject({ type: z.literal("ack"), offset: z.number().int().min(0) }),
]);
export type TerminalClientMessage = z.infer<typeof terminalClientMessageSchema>;

/** What the server sends as text frames: `session` first, `exit` last. */
export type TerminalServerMessage =
  | { type: "session"; id: string; /** output byte offset of the first byte that follows (replay included) */ offset: number; replay_bytes: number }
  | { type: "exit"; code: number | null; signal: string | null }
  | { type: "pong" }
  | { type: "error"; message: string }
  /** A shared session (issue 28): who is in it now, the session's own user first; sent on every join and leave. */
  | { type: "participants"; list: TerminalParticipant[] }
  /** Input from a participant who may only watch: refused. */
  | { type: "read-only" };

/** Someone in a terminal session: its user (`owner`), or a participant invited to watch or drive. */
export type TerminalParticipant = { name: string; mode: "owner" | "watch" | "drive" };

/** `POST /api/cloud/instance/:id/terminal/sessions/:sessionId/participants`: one person (by email or id) or a whole team. */
export const terminalInviteRequestSchema = z
  .strictObject({
    email: emailSchema.optional(),
    userId: z.string().max(64).optional(),
    teamId: z.string().max(64).optional(),
    mode: z.enum(["watch", "drive"]).default("watch"),
  })
  .refine((b) => [b.email, b.userId, b.teamId].filter((x) => x !== undefined).length === 1, { message: "name exactly one of email, userId or teamId", path: ["email"] });

// ── InstanceDO ↔ agent ─────────────────────────────────────────────────────

/** The OPEN of a pty stream: a new session, or an attachment to a live one. */
export const ptyOpenSchema = z.object({
  kind: z.literal("pty"),
  session: terminalSessionIdSchema,
  /** The user the session belongs to (only they may attach again; shares revoked close it). */
  user: z.string().min(1).max(64),
  create: z.boolean(),
  cols,
  rows,
  /** Replay output from this byte offset (what the client already has); without it, all the scrollback. */
  since: z.number().int().min(0).optional(),
});
export type PtyOpen = z.infer<typeof ptyOpenSchema>;

/** A terminal session as listed (`GET /api/cloud/instance/:id/terminals`). */
export const terminalSessionSchema = z.object({
  id: z.string(),
  instance_id: z.string(),
  user_id: z.string(),
  shell: z.string(),
  cols: z.number(),
  rows: z.number(),
  started_at: z.string(),
  ended_at: z.string().nullable(),
  /** exit | closed | idle | max-lifetime | detached | lost (the agent restarted without it) */
  end_reason: z.string().nullable(),
  exit_code: z.number().nullable(),
  recorded: z.boolean(),
  recording_bytes: z.number(),
});
export type TerminalSession = z.infer<typeof terminalSessionSchema>;

/** How the agent's RESET of a pty stream it will not serve begins; the DO answers the browser by it. */
export const PTY_REFUSAL = { noSession: "no such terminal session", tooMany: "too many terminals" } as const;

/** HEAD-flagged control on a pty stream, DO → agent. */
export const ptyControlSchema = z.union([
  z.strictObject({ resize: z.strictObject({ cols, rows }) }),
  z.strictObject({ kill: z.literal(true) }),
]);
/** HEAD-flagged control on a pty stream, agent → DO: `attached` first, `exit` before END. */
export const ptyEventSchema = z.union([
  z.strictObject({ attached: z.strictObject({ offset: z.number().int().min(0), replay_bytes: z.number().int().min(0), shell: z.string().max(4096), started_at: z.string() }) }),
  z.strictObject({ exit: z.strictObject({ code: z.number().int().nullable(), signal: z.string().max(40).nullable() }) }),
]);

/** Ends sessions on the agent whether attached or not: one, or all of a user's (a share was revoked). */
export const terminalCloseParamsSchema = z.union([z.strictObject({ session: terminalSessionIdSchema }), z.strictObject({ user: z.string().min(1).max(64) })]);
