import { OAUTH_FAILURES, OAUTH_PROVIDER_LABELS, type OAuthFailureReason } from "@anchorage/common/oauth-labels";
import type { Identity } from "@anchorage/common/oauth";
import { authed, request, type AuthConfig } from "../api.ts";

/** The signed-in person's linked providers, and whether they also have a password. */
export const listIdentities = () => authed(() => request<{ identities: Identity[]; has_password: boolean }>("GET", "/api/settings/identities"));

export const unlinkIdentity = (provider: string) => authed(() => request<{ success: true }>("POST", "/api/settings/identities/unlink", { provider }));

/** What a provider's button says: the server's label, else the fixed providers' names. */
export function providerName(config: Pick<AuthConfig, "provider_names"> | null, id: string): string {
  return config?.provider_names?.[id] ?? (OAUTH_PROVIDER_LABELS as Record<string, string>)[id] ?? id;
}

/**
 * The message for `?oauth_error=<reason>`, which a provider's callback sends the browser back
 * with, taken out of the address bar so a reload does not show it again. Only the reasons this
 * page knows become text: nothing from the URL itself is ever shown.
 */
export function takeOAuthError(): string | null {
  const url = new URL(location.href);
  const reason = url.searchParams.get("oauth_error");
  if (reason === null) return null;
  url.searchParams.delete("oauth_error");
  history.replaceState(history.state, "", url.pathname + url.search + url.hash);
  return reason in OAUTH_FAILURES ? OAUTH_FAILURES[reason as OAuthFailureReason] : "Signing in with that provider did not work. Please try again.";
}

/** Where to come back to after the provider: the `next` this page was given, else this page itself. */
export function returnPath(): string {
  const here = new URL(location.href);
  return here.searchParams.get("next") ?? here.pathname + here.search;
}
