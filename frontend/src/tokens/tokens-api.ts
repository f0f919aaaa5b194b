import type { ApiToken, ScopeGrant, ServiceAccount } from "@anchorage/common";
import { authed, request } from "../api.ts";

/**
 * `/api/tokens` and `/api/service-accounts` (session only: the dashboard's cookie). A token's
 * secret (`anc_…`) comes back once, in the answer that creates it, and never again.
 */

export type { ApiToken, ScopeGrant, ServiceAccount };
export type CreatedToken = ApiToken & { token: string };
export type ServiceAccountWithTokens = ServiceAccount & { tokens: ApiToken[] };

/** Days until expiry; null: until revoked. */
export type ExpiryDays = number | null;

const accountPath = (id: string, rest = "") => `/api/service-accounts/${encodeURIComponent(id)}${rest}`;

export const listTokens = () => authed(() => request<{ tokens: ApiToken[] }>("GET", "/api/tokens")).then((r) => r.tokens);

export const createToken = (input: { name: string; scopes: ScopeGrant[]; expires_in_days: ExpiryDays }) =>
  authed(() => request<CreatedToken>("POST", "/api/tokens", input));

/** Revokes a personal token or a service account's (the same route serves both). */
export const revokeToken = (id: string) => authed(() => request<{ success: true }>("DELETE", `/api/tokens/${encodeURIComponent(id)}`));

export const listServiceAccounts = () =>
  authed(() => request<{ service_accounts: ServiceAccount[] }>("GET", "/api/service-accounts")).then((r) => r.service_accounts);

export const getServiceAccount = (id: string) => authed(() => request<ServiceAccountWithTokens>("GET", accountPath(id)));

export const createServiceAccount = (input: { name: string; description: string; scopes: ScopeGrant[] }) =>
  authed(() => request<ServiceAccount>("POST", "/api/service-accounts", input));

export const setServiceAccountScopes = (id: string, scopes: ScopeGrant[]) =>
  authed(() => request<ServiceAccount>("PUT", accountPath(id, "/scopes"), { scopes }));

export const deleteServiceAccount = (id: string) => authed(() => request<{ success: true }>("DELETE", accountPath(id)));

export const createServiceAccountToken = (id: string, input: { name: string; expires_in_days: ExpiryDays }) =>
  authed(() => request<CreatedToken>("POST", accountPath(id, "/tokens"), input));
