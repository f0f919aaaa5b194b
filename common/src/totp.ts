import { z } from "zod";
import { transportSchema } from "./auth.ts";

/**
 * TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30 s steps) as a second factor, and the recovery codes
 * that stand in for the authenticator when it is lost. Shared by the Worker and the dashboard.
 */

/** The parameters every authenticator app is told (the defaults of RFC 6238 and of Google Authenticator's URI format). */
export const TOTP_PARAMS = { algorithm: "SHA1", digits: 6, period: 30 } as const;
export const RECOVERY_CODE_COUNT = 10;

/** Six digits; spaces a person typed ("123 456") are dropped. */
export const totpCodeSchema = z
  .string()
  .transform((s) => s.replace(/\s+/g, ""))
  .pipe(z.string().regex(/^\d{6}$/, "must be the 6 digits your authenticator app shows"));

/** A recovery code as printed (`xxxx-xxxx-xxxx-xxxx`); case, spaces and dashes are forgiven. */
export const recoveryCodeSchema = z
  .string()
  .max(64)
  .transform((s) => s.replace(/[\s-]+/g, "").toLowerCase())
  .pipe(z.string().regex(/^[a-z2-7]{16}$/, "must be one of your recovery codes (16 letters and digits)"));

/** `POST /api/settings/totp/start`: the new secret, pending until a code from it is confirmed. */
export const totpStartResponseSchema = z.object({
  /** Base32 (RFC 4648), for typing into an authenticator app by hand. */
  secret: z.string(),
  /** `otpauth://totp/…` (the Key URI Format), for a QR code or a link. */
  otpauth_url: z.string(),
});
export type TotpStartResponse = z.infer<typeof totpStartResponseSchema>;

export const totpConfirmRequestSchema = z.strictObject({ code: totpCodeSchema });

/** Shown once: only their hashes are kept. */
export const totpConfirmResponseSchema = z.object({ recovery_codes: z.array(z.string()).length(RECOVERY_CODE_COUNT) });
export type TotpConfirmResponse = z.infer<typeof totpConfirmResponseSchema>;


/** `GET /api/settings/totp`: whether TOTP protects the account, and how many recovery codes are left. */
export const totpStatusSchema = z.object({
  /** `none`, `pending` (started, not confirmed: protects nothing yet) or `enabled`. */
  state: z.enum(["none", "pending", "enabled"]),
  confirmed_at: z.string().nullable(),
  recovery_codes_left: z.number().int(),
});
export type TotpStatus = z.infer<typeof totpStatusSchema>;

/** `POST /auth/2fa/verify`: finishes a password sign-in's second step with a TOTP code or a recovery code. */
export const twoFactorVerifySchema = z.discriminatedUnion("method", [
  z.strictObject({ challenge_token: z.string().min(1).max(200), method: z.literal("totp"), code: totpCodeSchema, transport: transportSchema }),
  z.strictObject({ challenge_token: z.string().min(1).max(200), method: z.literal("recovery"), code: recoveryCodeSchema, transport: transportSchema }),
]);
export type TwoFactorVerifyRequest = z.input<typeof twoFactorVerifySchema>;
