// No zod here: the dashboard imports this module without shipping zod. It imports nothing, so
// oauth.ts, which builds its schema from OAUTH_PROVIDER_IDS, and this file make no circle.

/** The sign-in providers; oauth.ts's oauthProviderIdSchema is the enum of these. */
export const OAUTH_PROVIDER_IDS = ["google", "github", "discord", "oidc"] as const;
type OAuthProviderId = (typeof OAUTH_PROVIDER_IDS)[number];

/** What the fixed providers' buttons say; the OIDC provider's label is OIDC_NAME. */
export const OAUTH_PROVIDER_LABELS: Record<Exclude<OAuthProviderId, "oidc">, string> = {
  google: "Google",
  github: "GitHub",
  discord: "Discord",
};

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
