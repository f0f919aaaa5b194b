import { z } from "zod";
import { roleSchema } from "./roles.ts";

/** Emails compare case-insensitively; we keep what the user typed and match on the lower-cased form. */
export const emailSchema = z.string().trim().max(254).pipe(z.email());

/**
 * OWASP ASVS 2.1: at least 12 characters, at most 128 (the upper bound keeps
 * hashing cost bounded), any characters allowed, no composition rules.
 */
export const passwordSchema = z.string().min(12, "must be at least 12 characters").max(128, "must be at most 128 characters");

export const displayNameSchema = z.string().trim().min(1).max(100);

/**
 * How the session reaches the client: `bearer` returns the tokens in the body
 * (CLI, scripts); `cookie` sets HttpOnly cookies and returns no token a script could steal (the dashboard).
 */
export const transportSchema = z.enum(["bearer", "cookie"]).default("bearer");

export const registerRequestSchema = z.strictObject({
  email: emailSchema,
  password: passwordSchema,
  name: displayNameSchema.optional(),
  invite: z.string().min(1).max(200).optional(),
  transport: transportSchema,
});
export type RegisterRequest = z.infer<typeof registerRequestSchema>;

export const loginRequestSchema = z.strictObject({
  email: emailSchema,
  // Not passwordSchema: a login must not reveal the password policy's history.
  password: z.string().min(1).max(128),
  transport: transportSchema,
});
export type LoginRequest = z.infer<typeof loginRequestSchema>;

export const refreshRequestSchema = z.strictObject({
  refresh_token: z.string().min(1).max(200).optional(),
  transport: transportSchema,
});

export const logoutRequestSchema = z.strictObject({
  refresh_token: z.string().min(1).max(200).optional(),
});

export const validateRequestSchema = z.strictObject({
  token: z.string().min(1).max(4096).optional(),
});

export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  roles: z.array(roleSchema),
  disabled: z.boolean(),
  /** Whether the person showed they receive mail at this address (proxy access rules by email trust only these). */
  email_verified: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type User = z.infer<typeof userSchema>;

export const sessionTokensSchema = z.object({
  token_type: z.literal("Bearer"),
  access_token: z.string(),
  expires_in: z.number().int(),
  refresh_token: z.string(),
  refresh_expires_in: z.number().int(),
});

export const sessionResponseSchema = z.object({
  user: userSchema,
  session_id: z.string(),
  tokens: sessionTokensSchema.optional(),
});
export type SessionResponse = z.infer<typeof sessionResponseSchema>;

export const updateUserRequestSchema = z.strictObject({
  name: displayNameSchema.optional(),
});

export const changePasswordRequestSchema = z.strictObject({
  current_password: z.string().min(1).max(128),
  new_password: passwordSchema,
});

export const sessionInfoSchema = z.object({
  id: z.string(),
  created_at: z.string(),
  last_used_at: z.string(),
  expires_at: z.string(),
  user_agent: z.string().nullable(),
  ip: z.string().nullable(),
  provider: z.string(),
  current: z.boolean(),
});
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

/** What "sign out everywhere" may take with it besides the sessions (POST /auth/logout-all `include`). */
export const SIGN_OUT_EXTRAS = ["mcp", "tokens"] as const;
export type SignOutExtra = (typeof SIGN_OUT_EXTRAS)[number];

/** An MCP client allowed to act as the user: which app, since when, and the API token it acts with. */
export const mcpGrantSchema = z.object({ id: z.string(), client_id: z.string(), client_name: z.string(), created_at: z.string(), expires_at: z.string().nullable(), token_id: z.string().nullable() });
export type McpGrant = z.infer<typeof mcpGrantSchema>;

/** An API token of the user's own, as the session list shows it (never its secret). */
export const apiTokenBriefSchema = z.object({ id: z.string(), name: z.string(), created_at: z.string(), last_used_at: z.string().nullable(), expires_at: z.string().nullable() });
export type ApiTokenBrief = z.infer<typeof apiTokenBriefSchema>;

/** GET /auth/sessions: everything that is signed in as the user. */
export const signedInEverywhereSchema = z.object({ sessions: z.array(sessionInfoSchema), mcp_grants: z.array(mcpGrantSchema), api_tokens: z.array(apiTokenBriefSchema) });
export type SignedInEverywhere = z.infer<typeof signedInEverywhereSchema>;

export const adminSessionInfoSchema = sessionInfoSchema.extend({ user_id: z.string(), user_email: z.string() });

export const adminCreateUserRequestSchema = z.strictObject({
  email: emailSchema,
  password: passwordSchema,
  name: displayNameSchema.optional(),
  roles: z.array(roleSchema).min(1).default(["user"]),
  /** The admin vouches for the address (they know it is the person's): it counts as verified at once. */
  email_verified: z.boolean().default(false),
});

export const adminUpdateUserRequestSchema = z.strictObject({
  name: displayNameSchema.optional(),
  roles: z.array(roleSchema).min(1).optional(),
  disabled: z.boolean().optional(),
});

export const createInviteRequestSchema = z.strictObject({
  email: emailSchema.optional(),
  expires_in_hours: z.number().int().min(1).max(24 * 30).default(72),
});

export const registrationModeSchema = z.enum(["open", "invite", "closed"]);
export type RegistrationMode = z.infer<typeof registrationModeSchema>;

export const authConfigSchema = z.object({
  registration: registrationModeSchema,
  providers: z.array(z.string()),
  /** Each listed provider's button label (the OIDC provider's is OIDC_NAME). */
  provider_names: z.record(z.string(), z.string()),
  password_policy: z.object({ min_length: z.number(), max_length: z.number() }),
  /** Sign-in links by mail (/auth/magic-link/*) are offered: the server can send mail, or keeps it in the dev outbox. */
  magic_link: z.boolean(),
  /** Passkey sign-in (/auth/passkey/*) is offered. */
  passkeys: z.boolean(),
});

/** RFC 8628 §3.1 */
export const deviceCodeRequestSchema = z.object({
  client_id: z.string().trim().min(1).max(100).default("anchorage-cli"),
  scope: z.string().trim().max(200).default("session"),
});

/** RFC 8628 §3.2 */
export const deviceCodeResponseSchema = z.object({
  device_code: z.string(),
  user_code: z.string(),
  verification_uri: z.string(),
  verification_uri_complete: z.string(),
  expires_in: z.number().int(),
  interval: z.number().int(),
});

/** RFC 8628 §3.4 */
export const deviceTokenRequestSchema = z.object({
  grant_type: z.literal("urn:ietf:params:oauth:grant-type:device_code"),
  device_code: z.string().min(1).max(200),
  client_id: z.string().max(100).optional(),
});

/** Letters a person reads off a screen without confusion (RFC 8628 §6.1): no vowels, no look-alikes. */
export const userCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .transform((s) => s.replace(/[^A-Z]/g, ""))
  .pipe(z.string().regex(/^[BCDFGHJKLMNPQRSTVWXZ]{8}$/, "a code looks like BCDF-GHJK"))
  .transform((s) => `${s.slice(0, 4)}-${s.slice(4)}`);

export const deviceApproveRequestSchema = z.strictObject({ user_code: userCodeSchema, approve: z.boolean() });

export const deviceVerifyResponseSchema = z.object({
  user_code: z.string(),
  client_id: z.string(),
  scope: z.string(),
  created_at: z.string(),
  expires_at: z.string(),
});
