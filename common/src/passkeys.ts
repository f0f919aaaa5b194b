import { z } from "zod";

/**
 * Passkeys (WebAuthn) on the wire. Credentials travel as WebAuthn's JSON form (L3 §5.1.8,
 * `PublicKeyCredential.toJSON()`: binary fields as base64url); the shapes here bound sizes and
 * types, and @simplewebauthn/server checks everything they mean.
 */

const base64url = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9_-]+$/, "must be base64url");

/** What `navigator.credentials.create()` answered, as JSON. */
export const registrationCredentialSchema = z.looseObject({
  id: base64url(1024),
  rawId: base64url(1024),
  type: z.literal("public-key"),
  response: z.looseObject({
    clientDataJSON: base64url(4096),
    // An attestation with its certificate chain fits in a few KiB; the request body is capped at 64 KiB anyway.
    attestationObject: base64url(32768),
    transports: z.array(z.string().max(32)).max(10).optional(),
  }),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
});

/** What `navigator.credentials.get()` answered, as JSON. */
export const authenticationCredentialSchema = z.looseObject({
  id: base64url(1024),
  rawId: base64url(1024),
  type: z.literal("public-key"),
  response: z.looseObject({
    clientDataJSON: base64url(4096),
    authenticatorData: base64url(4096),
    signature: base64url(1024),
    userHandle: base64url(128).optional(),
  }),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
});

export const passkeyNameSchema = z.string().trim().min(1).max(64);

/**
 * The options to hand to `navigator.credentials.create()` / `.get()` in WebAuthn's JSON form
 * (`PublicKeyCredentialCreationOptionsJSON` / `…RequestOptionsJSON`); only the challenge is named here.
 */
export const webauthnOptionsSchema = z.object({ challenge: z.string() }).describe("WebAuthn options in their JSON form (rp, user, challenge, allowCredentials …)");

/** A ceremony's start: its options and the single-use id that names its challenge at the finish. */
export const passkeyCeremonySchema = z.object({
  challenge_id: z.string(),
  expires_at: z.string(),
  options: webauthnOptionsSchema,
});

export const passkeyRegisterFinishSchema = z.strictObject({
  challenge_id: z.string().min(1).max(200),
  credential: registrationCredentialSchema,
  name: passkeyNameSchema.optional(),
});

const transport = z.enum(["bearer", "cookie"]).default("bearer");

/**
 * The finish of a passkey sign-in: either usernameless (`challenge_id` from /auth/passkey/login/start)
 * or the second factor after a password (`challenge_token` from /auth/login), never both.
 */
export const passkeyLoginFinishSchema = z
  .strictObject({
    challenge_id: z.string().min(1).max(200).optional(),
    challenge_token: z.string().min(1).max(200).optional(),
    credential: authenticationCredentialSchema,
    transport,
  })
  .refine((b) => (b.challenge_id === undefined) !== (b.challenge_token === undefined), {
    message: "give challenge_id (passkey sign-in) or challenge_token (second factor), not both",
    path: ["challenge_id"],
  });

/** The ways a password sign-in's second step can be finished. */
export const secondFactorMethodSchema = z.enum(["totp", "recovery", "passkey"]);
export type SecondFactorMethod = z.infer<typeof secondFactorMethodSchema>;

/**
 * `/auth/login`'s answer for an account with a second factor (TOTP, a passkey, or both): the
 * password was right, and one of `methods` must finish the sign-in with the same challenge token.
 */
export const secondFactorRequiredSchema = z.object({
  requires_2fa: z.literal(true),
  /**
   * 5 minutes, and it finishes one sign-in: pass it to /auth/passkey/login/finish with an assertion,
   * or to /auth/2fa/verify with a TOTP or recovery code.
   */
  challenge_token: z.string(),
  expires_in: z.number().int(),
  /** `totp` and `recovery` when the account has TOTP, `passkey` when it has a passkey. */
  methods: z.array(secondFactorMethodSchema),
  /** With `passkey` only, for `navigator.credentials.get()`: the account's passkeys and the challenge to sign. */
  passkey_options: webauthnOptionsSchema.optional(),
});
export type SecondFactorRequired = z.infer<typeof secondFactorRequiredSchema>;

export const passkeySchema = z.object({
  id: z.string(),
  name: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  /** `multiDevice`: synced between devices (and `backed_up` says whether it is now). */
  device_type: z.string().nullable(),
  backed_up: z.boolean(),
  transports: z.array(z.string()),
});
export type Passkey = z.infer<typeof passkeySchema>;

/** The ways a user can sign in: deleting a passkey must leave at least one. */
export const signInMethodsSchema = z.object({
  password: z.boolean(),
  passkeys: z.number().int(),
  identities: z.number().int(),
});
export type SignInMethods = z.infer<typeof signInMethodsSchema>;

export const passkeyListSchema = z.object({ keys: z.array(passkeySchema), sign_in_methods: signInMethodsSchema });
export type PasskeyList = z.infer<typeof passkeyListSchema>;

export const renamePasskeySchema = z.strictObject({ id: z.string().min(1).max(1024), name: passkeyNameSchema });
export const deletePasskeySchema = z.strictObject({ id: z.string().min(1).max(1024) });
