import { z } from "zod";
import { agentConfigSchema } from "../agent-config.ts";
import { mirrorChangedSchema, mirrorWatchListSchema } from "./mirror-watch.ts";
import { scriptArgsSchema, scriptBodySchema, scriptInterpreterSchema } from "../scripts.ts";

/**
 * The JSON control messages of the agent ↔ InstanceDO socket (DESIGN.md, protocol).
 * They travel as WebSocket text frames; stream bytes travel as binary frames (frames.ts).
 * Every message is validated on arrival; an invalid one closes the socket with a reason.
 */

export const PROTOCOL_VERSION = 1;
/** The agent sends a heartbeat this often; three missed ones mean the peer is gone. */
export const HEARTBEAT_INTERVAL_MS = 5_000;
/** Largest text frame either side accepts. */
export const MAX_CONTROL_BYTES = 256 * 1024;

export const systemStatsSchema = z.object({
  cpu: z.number().min(0).max(100), // percent busy across all cores since the last heartbeat
  memory: z.object({ used: z.number().nonnegative(), total: z.number().nonnegative() }),
  disk: z.object({ used: z.number().nonnegative(), total: z.number().nonnegative() }), // the root filesystem ("/"; the current drive on Windows)
  /**
   * Bytes per second received and sent since the previous heartbeat, summed over the non-loopback
   * interfaces (Linux, from /proc/net/dev). Optional: absent on other systems, on the first
   * heartbeat after a start, and from agents older than it.
   */
  net: z.object({ rx: z.number().nonnegative(), tx: z.number().nonnegative() }).optional(),
  load: z.array(z.number()).length(3), // 1, 5 and 15 minutes
  uptime: z.number().nonnegative(), // seconds the machine has been up
});
export type SystemStats = z.infer<typeof systemStatsSchema>;

export const systemInfoSchema = z.object({
  hostname: z.string().max(255),
  platform: z.string().max(50),
  arch: z.string().max(50),
  release: z.string().max(200),
  cpus: z.number().int().nonnegative(),
  node: z.string().max(50),
  agent_version: z.string().max(50),
  pid: z.number().int(),
  started_at: z.string(),
  stats: systemStatsSchema,
});
export type SystemInfo = z.infer<typeof systemInfoSchema>;

export const logLineSchema = z.object({ at: z.string(), source: z.string().max(500), line: z.string().max(8192) });
export type LogLine = z.infer<typeof logLineSchema>;

export const rpcErrorSchema = z.object({ code: z.string().max(64), message: z.string().max(4096) });

// ── agent → DO ─────────────────────────────────────────────────────────────
export const helloSchema = z.object({
  type: z.literal("hello"),
  protocol: z.literal(PROTOCOL_VERSION),
  agent_version: z.string().max(50),
  hostname: z.string().max(255),
  platform: z.string().max(50),
  arch: z.string().max(50),
  /** The config with secrets redacted (what `GET …/config` shows). */
  config: agentConfigSchema,
  /** Terminal sessions alive on the agent now: any other the server thinks open was lost (the agent restarted). */
  terminals: z.array(z.string().max(64)).max(256).default([]),
});

export const heartbeatSchema = z.object({ type: z.literal("heartbeat"), at: z.string(), stats: systemStatsSchema });

export const rpcResultSchema = z.discriminatedUnion("ok", [
  z.object({ type: z.literal("rpc-result"), id: z.string().max(64), ok: z.literal(true), result: z.unknown() }),
  z.object({ type: z.literal("rpc-result"), id: z.string().max(64), ok: z.literal(false), error: rpcErrorSchema }),
]);

/** Output of a running command, as it comes. */
export const rpcProgressSchema = z.object({
  type: z.literal("rpc-progress"),
  id: z.string().max(64),
  stream: z.enum(["stdout", "stderr"]),
  data: z.string().max(64 * 1024),
});

export const logsSchema = z.object({ type: z.literal("logs"), lines: z.array(logLineSchema).max(1000) });

/** A terminal session ended on the agent (its shell exited, or it was closed, idle, or detached too long). */
export const ttyEndedSchema = z.object({
  type: z.literal("tty-ended"),
  session: z.string().max(64),
  code: z.number().int().nullable(),
  signal: z.string().max(40).nullable(),
  reason: z.enum(["exit", "closed", "idle", "max-lifetime", "detached"]),
  at: z.string(),
});

export const agentMessageSchema = z.union([helloSchema, heartbeatSchema, rpcResultSchema, rpcProgressSchema, logsSchema, ttyEndedSchema, mirrorChangedSchema]);
export type AgentMessage = z.infer<typeof agentMessageSchema>;

// ── DO → agent ─────────────────────────────────────────────────────────────
export const rpcMethodSchema = z.enum(["ping", "system.info", "command.run", "script.run", "git", "terminal.close"]);
export type RpcMethod = z.infer<typeof rpcMethodSchema>;

export const commandRunParamsSchema = z.object({
  name: z.string().max(40),
  timeout_seconds: z.number().int().min(1).max(3600).optional(),
});

/**
 * A script from the library, run as `[interpreter, <private temp file>, ...args]` by an agent whose
 * config says `scripts: true` (it checks that itself); its result is a command's.
 */
export const scriptRunParamsSchema = z.object({
  interpreter: scriptInterpreterSchema,
  body: scriptBodySchema,
  args: scriptArgsSchema.default([]),
  timeout_seconds: z.number().int().min(1).max(3600),
});
export type ScriptRunParams = z.input<typeof scriptRunParamsSchema>;

export const commandResultSchema = z.object({
  exit_code: z.number().int().nullable(), // null when killed
  signal: z.string().nullable(),
  timed_out: z.boolean(),
  duration_ms: z.number().int().nonnegative(),
  stdout_tail: z.string(),
  stderr_tail: z.string(),
});
export type CommandResult = z.infer<typeof commandResultSchema>;

export const welcomeSchema = z.object({
  type: z.literal("welcome"),
  instance_id: z.string(),
  heartbeat_interval_ms: z.number().int().positive(),
});

export const rpcRequestSchema = z.object({
  type: z.literal("rpc"),
  id: z.string().max(64),
  method: rpcMethodSchema,
  params: z.unknown().optional(),
});

/** The DO asks the agent to go away for good (instance deleted) or to reconnect later. */
export const byeSchema = z.object({ type: z.literal("bye"), reason: z.string().max(200), reconnect: z.boolean() });

export const serverMessageSchema = z.union([welcomeSchema, rpcRequestSchema, byeSchema, mirrorWatchListSchema]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/** Close codes with a meaning for the agent (4000–4999 are the application's). */
export const CLOSE = {
  replaced: 4001, // another connection for this instance took over: do not fight it
  invalidMessage: 4002,
  heartbeatTimeout: 4003,
  deleted: 4004, // the instance was deleted: stop, do not reconnect
  disconnected: 4005, // the owner asked it to disconnect: reconnect later
} as const;
