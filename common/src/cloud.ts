import { z } from "zod";
import { slugSchema } from "./agent-config.ts";
import { proxyAccessSchema } from "./proxy-access.ts";
import { emailSchema } from "./auth.ts";
import { actionSchema, shareableActionSchema } from "./permissions.ts";
import { systemStatsSchema } from "./protocol/messages.ts";

/** The public half of an instance's ES256 key pair. */
export const publicJwkSchema = z.strictObject({
  kty: z.literal("EC"),
  crv: z.literal("P-256"),
  x: z.string().min(40).max(50),
  y: z.string().min(40).max(50),
  kid: z.string().max(100).optional(),
  alg: z.literal("ES256").optional(),
  use: z.literal("sig").optional(),
  key_ops: z.array(z.string()).optional(),
  ext: z.boolean().optional(),
});

export const requestAnchorTokenSchema = z.strictObject({
  email: emailSchema,
  password: z.string().min(1).max(128),
});

export const requestAnchorTokenAsSchema = z.strictObject({
  user_id: z.string().min(1).max(64).optional(),
  email: emailSchema.optional(),
});

export const anchorTokenResponseSchema = z.object({
  anchor_token: z.string(),
  expires_in: z.number().int(),
  user: z.object({ id: z.string(), email: z.string() }),
});

export const registerInstanceRequestSchema = z.strictObject({
  /** Proves whose instance this is; or send `Authorization: Bearer <access token>` instead. */
  anchor_token: z.string().min(1).max(200).optional(),
  name: z.string().trim().min(1).max(100),
  public_key: publicJwkSchema,
  hostname: z.string().max(255).optional(),
  platform: z.string().max(50).optional(),
  arch: z.string().max(50).optional(),
  agent_version: z.string().max(50).optional(),
  proxy: z.strictObject({ slug: slugSchema, target: z.string().max(2000), access: proxyAccessSchema.default("users") }).optional(),
});

export const registerInstanceResponseSchema = z.object({ instance_id: z.string(), owner_id: z.string(), fingerprint: z.string() });

export const agentChallengeRequestSchema = z.strictObject({ instance_id: z.string().min(1).max(64) });

export const instanceSchema = z.object({
  id: z.string(),
  name: z.string(),
  owner_id: z.string(),
  relation: z.enum(["owner", "shared", "admin"]),
  permissions: z.array(actionSchema),
  status: z.enum(["online", "offline"]),
  hostname: z.string().nullable(),
  platform: z.string().nullable(),
  arch: z.string().nullable(),
  agent_version: z.string().nullable(),
  fingerprint: z.string(),
  proxy_slug: z.string().nullable(),
  /** The owner's tags and the agent config's, merged and sorted. */
  tags: z.array(z.string()),
  /** Those of `tags` the agent's config declares: they stay until the config drops them. */
  config_tags: z.array(z.string()),
  created_at: z.string(),
  last_seen_at: z.string().nullable(),
  stats: systemStatsSchema.nullable(),
});
export type Instance = z.infer<typeof instanceSchema>;

/** One minute of an instance's health (`GET /api/cloud/instance/:id/health`): the means of that minute's heartbeats. */
export const healthPointSchema = z.object({
  minute: z.number().describe("Minutes since the Unix epoch"),
  cpu: z.number(),
  mem_used: z.number(),
  mem_total: z.number(),
  disk_used: z.number(),
  disk_total: z.number(),
  load1: z.number(),
  samples: z.number(),
});
export type HealthPoint = z.infer<typeof healthPointSchema>;

export const commandRequestSchema = z.strictObject({
  command: z.string().min(1).max(40),
  timeout_seconds: z.number().int().min(1).max(3600).default(120),
});

export const actionRecordSchema = z.object({
  id: z.string(),
  command: z.string(),
  requested_by: z.string(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  status: z.enum(["running", "success", "error"]),
  exit_code: z.number().int().nullable(),
  duration_ms: z.number().int().nullable(),
  output_tail: z.string(),
  error: z.string().nullable(),
});

export const shareSaveRequestSchema = z.strictObject({
  /** Present to update a share; absent to create one. */
  id: z.string().max(64).optional(),
  grantee_email: emailSchema.optional(),
  grantee_id: z.string().max(64).optional(),
  /** A team you are a member of: every member holds the share while they are one. */
  team_id: z.string().max(64).optional(),
  /** The same as team_id. */
  teamId: z.string().max(64).optional(),
  /** One instance, or null / absent for all of your instances, present and future. */
  instance_id: z.string().max(64).nullable().optional(),
  /** Absent: everything an owner can share. */
  permissions: z.array(shareableActionSchema).min(1).optional(),
  expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
  enabled: z.boolean().default(true),
});

export const shareDeleteRequestSchema = z.strictObject({ id: z.string().min(1).max(64) });

export const shareSchema = z.object({
  id: z.string(),
  owner_id: z.string(),
  owner_email: z.string().optional(),
  /** Only on shares you received (it is you): a share you gave names its grantee by email, whether or not that email has an account yet. */
  grantee_id: z.string().optional(),
  grantee_email: z.string().optional(),
  /** A share given to a team (then no grantee): which one. */
  team_id: z.string().optional(),
  team_name: z.string().optional(),
  instance_id: z.string().nullable(),
  permissions: z.array(z.string()),
  enabled: z.boolean(),
  expires_at: z.string().nullable(),
  active: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
