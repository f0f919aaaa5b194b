import type { User } from "@anchorage/common";
import { request } from "../api.ts";

/** The same answer whether or not the email has an account. */
export const requestMagicLink = (email: string) => request<{ message: string; expires_in: number }>("POST", "/auth/magic-link/request", { email });

/** A browser's link signs this browser in (cookies); a terminal's link only approves the terminal. */
export type MagicLinkResult = { for: "browser"; user: User } | { for: "cli"; message: string };

export const redeemMagicLink = (token: string) => request<MagicLinkResult>("POST", "/auth/magic-link/verify", { token, transport: "cookie" });
