import { z } from "zod";
import { OAUTH_PROVIDER_IDS } from "./oauth-labels.ts";

export * from "./oauth-labels.ts";

/** The sign-in providers: three fixed ones and one OpenID Connect provider found by its issuer URL. */
export const oauthProviderIdSchema = z.enum(OAUTH_PROVIDER_IDS);
export type OAuthProviderId = z.infer<typeof oauthProviderIdSchema>;

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
