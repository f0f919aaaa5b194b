import { z } from "zod";
import { scopeGrantSchema, scopeListSchema } from "./scopes.ts";

/** Days an API token lives when the request does not say; `null` asks for one that lasts until revoked. */
export const DEFAULT_TOKEN_DAYS = 90;
export const MAX_TOKEN_DAYS = 365;

const nameSchema = z.string().trim().min(1).max(100);
const expiresInDays = z.number().int().min(1).max(MAX_TOKEN_DAYS).nullable().optional()
  .describe(`days until it expires (default ${DEFAULT_TOKEN_DAYS}); null: until revoked`);

export const createTokenRequestSchema = z.strictObject({
  name: nameSchema,
  scopes: scopeListSchema,
  expires_in_days: expiresInDays,
});

export const createServiceAccountTokenRequestSchema = z.strictObject({ name: nameSchema, expires_in_days: expiresInDays });

export const apiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** A service account's token has none of its own: it follows the account's. */
  scopes: z.array(scopeGrantSchema).nullable(),
  service_account_id: z.string().nullable(),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
});
export type ApiToken = z.infer<typeof apiTokenSchema>;

/** The one response that holds the secret: it is never shown again. */
export const createdTokenSchema = apiTokenSchema.extend({ token: z.string().describe("anc_…: shown once, store it now") });

export const createServiceAccountRequestSchema = z.strictObject({
  name: nameSchema,
  description: z.string().trim().max(500).default(""),
  scopes: scopeListSchema,
});
export const serviceAccountScopesRequestSchema = z.strictObject({ scopes: scopeListSchema });

export const serviceAccountSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  scopes: z.array(scopeGrantSchema),
  version: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ServiceAccount = z.infer<typeof serviceAccountSchema>;

/** `GET /api/tokens/{id}/check` (service key): whether it works now, and what it may do. */
export const tokenCheckSchema = z.object({
  valid: z.boolean(),
  reason: z.string().optional(),
  id: z.string(),
  user_id: z.string(),
  service_account_id: z.string().nullable(),
  scopes: z.array(scopeGrantSchema),
  scopes_version: z.number().int().nullable(),
  expires_at: z.string().nullable(),
});
