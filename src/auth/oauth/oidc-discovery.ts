import { z } from "zod";
import { providerFailure } from "./oauth-failure.ts";

/** The fields of OpenID Connect Discovery 1.0 §3 that the code flow needs. */
const metadataSchema = z.object({
  issuer: z.string(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  jwks_uri: z.url(),
  userinfo_endpoint: z.url().optional(),
});
export type OidcMetadata = z.infer<typeof metadataSchema>;

/**
 * Reads the provider's metadata from `<issuer>/.well-known/openid-configuration` (Discovery §4).
 * Fetched on each flow rather than cached in the isolate (no module-level state; a provider that
 * rotates endpoints is followed at once); it is one small GET per sign-in step.
 */
export async function discoverOidc(issuer: string): Promise<OidcMetadata> {
  const url = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: "application/json" } });
  } catch (e) {
    throw providerFailure(`OIDC discovery at ${url} failed`, e);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw providerFailure(`OIDC discovery at ${url} answered ${res.status}`);
  }
  const parsed = metadataSchema.safeParse(await res.json().catch(() => null));
  if (!parsed.success) throw providerFailure(`OIDC discovery at ${url} is not valid metadata`, parsed.error.issues[0]?.message);
  // Discovery §4.3: the issuer in the document must be exactly the one configured, or an
  // impostor's metadata (and keys) could stand in for the real provider's.
  if (parsed.data.issuer !== issuer) throw providerFailure(`OIDC discovery names issuer ${parsed.data.issuer}, expected ${issuer}`);
  return parsed.data;
}
