import { z } from "zod";
import { emailSchema, passwordSchema } from "./auth.ts";

// The forgotten-password flow (issue #28): a single-use link by mail, then a new password.
// Shared by the Worker (validation, OpenAPI) and the dashboard.

export const passwordForgotRequestSchema = z.strictObject({ email: emailSchema });

/** The same answer whether or not the email has an account. */
export const passwordForgotResponseSchema = z.object({
  message: z.string(),
  /** How long the mailed link works, in seconds. */
  expires_in: z.number().int(),
});

/** A reset link's token: 32 random bytes, base64url (it travels in the link's fragment, never to a server log). */
export const passwordResetTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "not a password reset token");

/** The new password follows the same policy as registration. */
export const passwordResetRequestSchema = z.strictObject({
  token: passwordResetTokenSchema,
  password: passwordSchema,
});

export const passwordResetResponseSchema = z.object({
  success: z.literal(true),
  /** Every session of the account ended (API tokens stay); nobody is signed in by the reset. */
  sessions_ended: z.number().int(),
  message: z.string(),
});
