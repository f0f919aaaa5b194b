/**
 * The names of Anchorage's own cookies, shared by the Worker (which sets and reads them) and the
 * proxy relay (which must never let a proxied app set, shadow or receive one).
 *
 * On an https origin the dashboard's cookies carry the `__Host-` prefix: the browser then accepts
 * them only with Secure, Path=/ and no Domain, so neither a path (`/p/<slug>`) nor a sibling host
 * (`<slug>.<PROXY_DOMAIN>`) can plant a cookie of that name (RFC 6265bis §4.1.3.2).
 */
export const ACCESS_COOKIE_BASE = "anc_access";
export const REFRESH_COOKIE_BASE = "anc_refresh";
export const PROXY_COOKIE_BASE = "anc_proxy";

const HOST_PREFIX = "__Host-";

/** The cookie name for `base` on an origin that is (secure) or is not https. */
export const cookieName = (base: string, secure: boolean) => (secure ? `${HOST_PREFIX}${base}` : base);

/**
 * True for any name that is, or could pass for, one of ours: `anc_…` with or without a
 * `__Host-` / `__Secure-` prefix, in any case (a proxied app gets none of these names).
 */
export function isAnchorageCookie(name: string): boolean {
  const n = name.trim().toLowerCase().replace(/^__(host|secure)-/, "");
  return n.startsWith("anc_");
}
