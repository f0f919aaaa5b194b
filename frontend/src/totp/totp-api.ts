import type { SessionResponse, TotpConfirmResponse, TotpStartResponse, TotpStatus, TwoFactorVerifyRequest } from "@anchorage/common";
import { authed, request } from "../api.ts";

export const getTotpStatus = () => authed(() => request<TotpStatus>("GET", "/api/settings/totp"));
export const startTotp = () => authed(() => request<TotpStartResponse>("POST", "/api/settings/totp/start"));
export const confirmTotp = (code: string) => authed(() => request<TotpConfirmResponse>("POST", "/api/settings/totp/confirm", { code }));
export const removeTotp = () => authed(() => request<{ success: true }>("DELETE", "/api/settings/totp"));

/** The second step of a password sign-in, with a code from the authenticator app or a recovery code. */
export const finishWithCode = (challengeToken: string, method: "totp" | "recovery", code: string) =>
  request<SessionResponse>("POST", "/auth/2fa/verify", { challenge_token: challengeToken, method, code, transport: "cookie" } satisfies TwoFactorVerifyRequest);
