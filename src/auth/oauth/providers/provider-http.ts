import type { OAuth2Tokens } from "arctic";
import type { z } from "zod";
import { providerFailure } from "../oauth-failure.ts";

/**
 * Runs arctic's code exchange and returns the access token. Any failure (the provider refused the
 * code or the PKCE verifier, answered something else, or could not be reached) is a provider failure.
 * GitHub answers a refused code with 200 and `{"error": …}`, which arctic's generic client takes
 * for tokens: reading the missing access token catches that too.
 */
export async function exchangeCode(exchange: () => Promise<OAuth2Tokens>): Promise<{ tokens: OAuth2Tokens; accessToken: string }> {
  let tokens: OAuth2Tokens;
  try {
    tokens = await exchange();
  } catch (e) {
    throw providerFailure("code exchange failed", e);
  }
  const error = (tokens.data as { error?: unknown }).error;
  if (typeof error === "string") throw providerFailure(`code exchange refused: ${error}`);
  try {
    return { tokens, accessToken: tokens.accessToken() };
  } catch (e) {
    throw providerFailure("token response without an access token", e);
  }
}

/** GET a provider's JSON API with the user's access token, checked against `schema`. */
export async function fetchProviderJson<T extends z.ZodType>(url: string, accessToken: string, schema: T): Promise<z.infer<T>> {
  let res: Response;
  try {
    res = await fetch(url, {
      headers: {
        authorization: `Bearer ${accessToken}`,
        accept: "application/json",
        // GitHub's API refuses requests without a User-Agent.
        "user-agent": "anchorage",
      },
    });
  } catch (e) {
    throw providerFailure(`GET ${url} failed`, e);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw providerFailure(`GET ${url} answered ${res.status}`);
  }
  const parsed = schema.safeParse(await res.json().catch(() => null));
  if (!parsed.success) throw providerFailure(`GET ${url} answered an unexpected body`, parsed.error.issues[0]?.message);
  return parsed.data;
}
