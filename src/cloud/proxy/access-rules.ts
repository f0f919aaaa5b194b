import { emailDomain, ipInRange, type ProxyAccessRules } from "@anchorage/common";
import { AppError } from "../../../core/app-error.ts";
import type { Principal } from "../../../core/auth/principal.ts";
import { timingSafeEqual } from "../../auth/password/password-hash.ts";
import { isApiToken } from "../../auth/api-tokens/api-token-store.ts";

/**
 * A proxy's access rules (common/src/proxy-access.ts), decided in the Worker before the request goes
 * on: any rule that matches lets the visitor in; none matching is a refusal. Rules that need nothing
 * but the request (an address, a Basic password) are tried first; the ones about who is signed in
 * ask for the visitor only then, so an IP- or password-gated app costs no session lookup.
 */

export type RuleVisitor = {
  /** The client's address as the edge reports it (CF-Connecting-IP; never X-Forwarded-For). */
  ip: string | null;
  authorization: string | null;
  /** Who is signed in (session, API token, or proxy token), or null; asked at most once. */
  principal: () => Promise<Principal | null>;
  /** Whether this principal has the proxy permission on the instance (the `token: true` rule). */
  mayProxy: (p: Principal) => Promise<boolean>;
};

export type RuleDecision =
  | { allow: true; by: "ip" | "basic" | "email" | "email_domain" | "token"; principal: Principal | null }
  | { allow: false; signedIn: boolean };

const encoder = new TextEncoder();

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** `Authorization: Basic` as user and password, unless its password is one of our API tokens (then it is a sign-in, not a rule's). */
export function basicCredentials(authorization: string | null): { user: string; password: string } | null {
  const m = authorization && /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (!m) return null;
  let decoded: string;
  try {
    decoded = new TextDecoder().decode(Uint8Array.from(atob(m[1]!), (ch) => ch.charCodeAt(0)));
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  const password = decoded.slice(colon + 1);
  return isApiToken(password) ? null : { user: decoded.slice(0, colon), password };
}

async function basicMatches(rules: ProxyAccessRules, authorization: string | null): Promise<boolean> {
  const basics = rules.allow.flatMap((r) => ("basic" in r ? [r.basic] : []));
  if (!basics.length) return false;
  const given = basicCredentials(authorization);
  if (!given) return false;
  const userHash = await sha256(given.user);
  const passwordHash = await sha256(given.password);
  let matched = false;
  // Every rule is compared in full, in constant time: neither which user exists nor how much of a hash matched shows in the timing.
  for (const b of basics) {
    const userOk = timingSafeEqual(userHash, await sha256(b.user));
    const passwordOk = timingSafeEqual(passwordHash, hexBytes(b.password_sha256));
    matched = (userOk && passwordOk) || matched;
  }
  return matched;
}

/** True when the rules include any about who is signed in (so a browser without a session is sent to sign in). */
export const rulesWantSignIn = (rules: ProxyAccessRules) => rules.allow.some((r) => "email" in r || "email_domain" in r || "token" in r);
/** True when the rules accept a Basic password (so a client without one is asked for it). */
export const rulesWantBasic = (rules: ProxyAccessRules) => rules.allow.some((r) => "basic" in r);

export async function decideByRules(rules: ProxyAccessRules, v: RuleVisitor): Promise<RuleDecision> {
  if (rules.allow.some((r) => "ip" in r && ipInRange(v.ip, r.ip))) return { allow: true, by: "ip", principal: null };
  if (await basicMatches(rules, v.authorization)) return { allow: true, by: "basic", principal: null };
  if (!rulesWantSignIn(rules)) return { allow: false, signedIn: false };
  const p = await v.principal();
  if (!p) return { allow: false, signedIn: false };
  // An email rule trusts an address only once its owner proved they receive mail there.
  const verified = p.user.emailVerifiedAt ? p.user.emailNormalized : null;
  if (verified && p.kind === "user") {
    if (rules.allow.some((r) => "email" in r && r.email === verified)) return { allow: true, by: "email", principal: p };
    if (rules.allow.some((r) => "email_domain" in r && emailDomain(verified) === r.email_domain)) return { allow: true, by: "email_domain", principal: p };
  }
  if (rules.allow.some((r) => "token" in r) && (await v.mayProxy(p))) return { allow: true, by: "token", principal: p };
  return { allow: false, signedIn: true };
}

/** The refusal of a visitor the rules keep out (a page for a browser is the caller's to render). */
export function rulesRefusal(signedIn: boolean): AppError {
  return signedIn
    ? new AppError("E-AUTH-FORBID", "this app's access rules do not let your account in")
    : new AppError("E-AUTH-UNAUTH", "this app's access rules need you to sign in, or to come from an allowed address");
}
