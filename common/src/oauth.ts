import { z } from "zod";

/** The sign-in providers: three fixed ones and one OpenID Connect provider found by its issuer URL. */
export const oauthProviderIdSchema = z.enum(["google", "github", "discord", "oidc"]);
export type OAuthProviderId = z.infer<typeof oauthProviderIdSchema>;

/** What the fixed providers' buttons say; the OIDC provider's label is OIDC_NAME. */
export const OAUTH_PROVIDER_LABELS: Record<Exclude<OAuthProviderId, "oidc">, string> = {
  google: "Google",
  github: "GitHub",
  discord: "Discord",
};

/** A provider account linked to the signed-in user. */
export const identitySchema = z.object({
  id: z.string(),
  provider: oauthProviderIdSchema,
  /** The address the provider gave, and whether it vouched for it. */
  email: z.string().nullable(),
  email_verified: z.boolean(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
});
export type Identity = z.infer<typeof identitySchema>;

export const identityListSchema = z.object({
  identities: z.array(identitySchema),
  /** Whether the account has a password; with passkeys and identities, the ways left to sign in. */
  has_password: z.boolean(),
});

export const unlinkIdentityRequestSchema = z.strictObject({ provider: oauthProviderIdSchema });

/**
 * Why a provider's callback did not sign anyone in. The callback sends the browser back to the
 * dashboard with `?oauth_error=<reason>` and the dashboard shows the message: the page never
 * shows text taken from the address bar, so a crafted link cannot put words on it.
 */
export const OAUTH_FAILURES = {
  state: "That sign-in attempt expired, was already used, or was started in another browser. Please try again.",
  denied: "The provider did not sign you in.",
  provider: "The provider could not be reached or sent something unexpected. Please try again later.",
  registration: "No account is linked to that sign-in, and this server does not let new accounts register that way.",
  identity_taken: "That provider account is already linked to another user.",
  provider_linked: "Your account already has another account of that provider linked. Unlink it first.",
  disabled: "This account is disabled.",
} as const;
export type OAuthFailureReason = keyof typeof OAUTH_FAILURES;
