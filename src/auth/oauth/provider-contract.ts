import type { OAuthProviderId } from "@anchorage/common";

/** Who signed in, as the provider tells it. `subject` is its stable id; the email may change or be absent. */
export type ProviderProfile = {
  subject: string;
  email: string | null;
  /** True only when the provider vouches that the person controls `email`. */
  emailVerified: boolean;
  name: string | null;
};

/** The per-flow secrets: `state` names the flow, the PKCE verifier and the OIDC nonce bind its code and ID token to it. */
export type FlowSecrets = { state: string; codeVerifier: string; nonce: string };

/** One sign-in provider: where to send the browser, and how to turn the code it comes back with into a profile. */
export interface OAuthProvider {
  id: OAuthProviderId;
  authorizationUrl(flow: FlowSecrets): Promise<URL>;
  /** Trades the code for tokens (sending the PKCE verifier) and reads the profile; throws OAuthFailure. */
  profile(code: string, flow: Omit<FlowSecrets, "state">): Promise<ProviderProfile>;
}
