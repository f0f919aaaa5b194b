import { z } from "zod";
import { emailSchema, sessionResponseSchema, transportSchema } from "./auth.ts";
import { roleSchema } from "./roles.ts";

// Sign-in without a password: magic links by mail, device invite codes, and scoped short-lived tokens.
// Shared by the Worker (validation, OpenAPI), the dashboard and the agent CLI.

/** `for: "cli"`: the person clicks in a browser, but the session goes to the terminal that asked (it polls `status`). */
export const magicLinkRequestSchema = z.strictObject({
  email: emailSchema,
  for: z.enum(["browser", "cli"]).default("browser"),
});

/** The same answer whether or not the email has an account. */
export const magicLinkRequestedSchema = z.object({
  message: z.string(),
  expires_in: z.number().int(),
  /** For `for: "cli"`: what the terminal polls `GET /auth/magic-link/status` with (keep it secret: it claims the session). */
  request_id: z.string().optional(),
  /** For `for: "cli"`: shown in the terminal and in the mail, so the person can tell the link answers their own terminal. */
  check_code: z.string().optional(),
});

/** A magic link's token: 32 random bytes, base64url. */
export const magicLinkTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "not a sign-in link token");

export const magicLinkVerifySchema = z.strictObject({
  token: magicLinkTokenSchema,
  transport: transportSchema,
});

export const magicLinkVerifiedSchema = z.union([
  sessionResponseSchema.extend({ for: z.literal("browser") }),
  z.object({ for: z.literal("cli"), message: z.string() }),
]);

export const magicLinkStatusQuerySchema = z.object({ request_id: magicLinkTokenSchema });

/** `approved` comes once, with the session; after that the request is `used`. */
export const magicLinkStatusSchema = z.union([
  z.object({ status: z.enum(["pending", "expired", "used"]) }),
  sessionResponseSchema.extend({ status: z.literal("approved") }),
]);

/** Six digits; a person may type them with spaces or a dash. */
export const deviceInviteCodeSchema = z
  .string()
  .transform((s) => s.replace(/[\s-]/g, ""))
  .pipe(z.string().regex(/^\d{6}$/, "a device code is 6 digits"));

export const deviceInviteCreatedSchema = z.object({
  code: z.string(),
  expires_at: z.string(),
  expires_in: z.number().int(),
});

export const deviceInviteVerifySchema = z.strictObject({
  code: deviceInviteCodeSchema,
  /** What the terminal calls itself, for the session list and the audit log. */
  client_name: z.string().trim().min(1).max(100).optional(),
});

/** `GET /auth/access-token?roles=user&ttl=300` */
export const accessTokenQuerySchema = z.object({
  roles: z
    .string()
    .transform((s) => s.split(",").map((r) => r.trim()).filter(Boolean))
    .pipe(z.array(roleSchema).min(1, "name at least one role"))
    .optional(),
  ttl: z.coerce.number().int().min(1).max(86_400).optional(),
});

export const scopedAccessTokenSchema = z.object({
  access_token: z.string(),
  token_type: z.literal("Bearer"),
  expires_in: z.number().int(),
  roles: z.array(roleSchema),
  session_id: z.string(),
});
