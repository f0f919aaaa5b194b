import { parseSetCookie, type Cookie } from "set-cookie-parser";
import { isAnchorageCookie } from "@anchorage/common/cookie-names";

/**
 * What a proxied app's `Set-Cookie` becomes on its way to the visitor, or null when it is dropped.
 *
 * Parsed (set-cookie-parser), never patched with a regular expression: a header such as
 * `anc_access=…; Path=/api; Path=/` or `Path= /` must not slip past a rewrite that only sees
 * the first attribute. Dropped: any cookie under one of Anchorage's names (a planted session,
 * RFC 6265bis "cookie tossing"), any cookie with a Domain (it would reach hosts other than the
 * app's own, the dashboard's among them), and any without a name. On the path form the rest is
 * rebuilt with exactly one Path, under `/p/<slug>`, so it never reaches the dashboard's paths.
 * An app that was given the prefix (`keptPrefix`, config `proxy.keep_prefix`) sets its paths
 * with it: a Path already under the prefix is kept as it is, any other still goes under it.
 */
export function proxiedSetCookie(value: string, prefix: string | null, keptPrefix = false): string | null {
  const [cookie] = parseSetCookie(value, { decodeValues: false, split: false, silent: true });
  if (!cookie || !cookie.name || isAnchorageCookie(cookie.name) || cookie.domain !== undefined) return null;
  if (prefix === null) return value;
  const path = cookie.path?.startsWith("/") ? cookie.path : "/";
  if (keptPrefix && isUnder(path, prefix)) return serialize({ ...cookie, path });
  return serialize({ ...cookie, path: prefix + path });
}

/** `/p/app` and `/p/app/x` are under `/p/app`; `/p/apple` is not (RFC 6265 §5.1.4 path-match). */
const isUnder = (path: string, prefix: string) => path === prefix || path.startsWith(prefix + "/");

function serialize(c: Cookie): string {
  const parts = [`${c.name}=${c.value}`, `Path=${c.path}`];
  if (c.expires && !Number.isNaN(c.expires.getTime())) parts.push(`Expires=${c.expires.toUTCString()}`);
  if (c.maxAge !== undefined && Number.isFinite(c.maxAge)) parts.push(`Max-Age=${Math.trunc(c.maxAge)}`);
  if (c.secure) parts.push("Secure");
  if (c.httpOnly) parts.push("HttpOnly");
  if (c.sameSite && /^(strict|lax|none)$/i.test(c.sameSite)) parts.push(`SameSite=${c.sameSite}`);
  if (c.partitioned) parts.push("Partitioned");
  return parts.join("; ");
}
