import { z } from "zod";
import { authenticationCredentialSchema } from "./passkeys.ts";
import { totpCodeSchema } from "./totp.ts";

/**
 * Step-up (issue 28): actions that can take over an account or a fleet need a proof of identity
 * made in the last STEP_UP_MAX_AGE_SECONDS by the session asking (GitHub's sudo mode, Teleport's
 * per-session MFA). Without one they answer 401 E-AUTH-STEP-UP with the `methods` this account
 * can use; `POST /auth/step-up` renews it. A sign-in counts as a proof.
 */
export const STEP_UP_MAX_AGE_SECONDS = 5 * 60;

export const stepUpMethodSchema = z.enum(["password", "totp", "passkey"]);
export type StepUpMethod = z.infer<typeof stepUpMethodSchema>;

/** `POST /auth/step-up`: the password, a current TOTP code, or a passkey assertion on a challenge from `/auth/step-up/passkey/options`. */
export const stepUpRequestSchema = z.discriminatedUnion("method", [
  z.strictObject({ method: z.literal("password"), password: z.string().min(1).max(1024) }),
  z.strictObject({ method: z.literal("totp"), code: totpCodeSchema }),
  z.strictObject({ method: z.literal("passkey"), challenge_id: z.string().min(1).max(200), response: authenticationCredentialSchema }),
]);
export type StepUpRequest = z.input<typeof stepUpRequestSchema>;

export const stepUpResponseSchema = z.object({
  method: stepUpMethodSchema,
  stepped_up_at: z.string(),
  /** When this proof stops counting (stepped_up_at + STEP_UP_MAX_AGE_SECONDS). */
  expires_at: z.string(),
});
export type StepUpResponse = z.infer<typeof stepUpResponseSchema>;

/** `GET /auth/step-up`: whether the session's last proof still counts, and how it could prove itself again. */
export const stepUpStatusSchema = z.object({
  fresh: z.boolean(),
  stepped_up_at: z.string().nullable(),
  expires_at: z.string().nullable(),
  methods: z.array(stepUpMethodSchema),
});
export type StepUpStatus = z.infer<typeof stepUpStatusSchema>;
