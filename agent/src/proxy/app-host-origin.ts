import type { AgentConfig } from "@anchorage/common/agent-config";
import type { HeaderPairs } from "@anchorage/common/protocol/proxy";

type ProxyConfig = NonNullable<AgentConfig["proxy"]>;

const header = (headers: HeaderPairs, name: string) => headers.find(([n]) => n.toLowerCase() === name)?.[1];

/**
 * The Host and Origin the local app gets, kept consistent with each other (config
 * `proxy.host_header`). Apps that guard against cross-origin requests compare them (Jupyter,
 * Tornado's `check_origin`, Django's CSRF check): with the Host rewritten to the target but the
 * visitor's Origin passed on, they refuse their own page.
 *
 * - `target` (default): Host is the target's; an Origin equal to the visitor-facing origin
 *   (`X-Forwarded-Proto://X-Forwarded-Host`, set by the Worker) becomes the target's origin. Any
 *   other Origin (another site's, or `null` from the sandboxed path form) is passed unchanged, so
 *   the app's own cross-origin check still sees it.
 * - `visitor`: Host is the host the visitor used (nginx's `proxy_set_header Host $host`); Origin
 *   is unchanged, and already matches it for the app's own pages.
 */
export function appHostAndOrigin(proxy: ProxyConfig, headers: HeaderPairs): { host: string; origin: string | undefined } {
  const target = new URL(proxy.target);
  const origin = header(headers, "origin");
  const forwardedHost = header(headers, "x-forwarded-host");
  if (proxy.host_header === "visitor" && forwardedHost) return { host: forwardedHost, origin };
  const proto = header(headers, "x-forwarded-proto");
  const visitorOrigin = forwardedHost && proto ? `${proto}://${forwardedHost}`.toLowerCase() : null;
  return { host: target.host, origin: origin !== undefined && origin.toLowerCase() === visitorOrigin ? target.origin : origin };
}

/** The path the app gets: with `proxy.keep_prefix`, the path form's prefix stays on it. */
export const appPath = (proxy: ProxyConfig, open: { path: string; prefix?: string | undefined }) => (proxy.keep_prefix && open.prefix ? open.prefix + open.path : open.path);
