import type { Context } from "hono";
import { proxyHostnameSchema } from "@anchorage/common";
import type { AppEnv } from "../../http/app-env.ts";
import { AppError } from "../../../core/app-error.ts";
import { hostnamesOf, slugOfHostname } from "../../../core/instances/proxy-hostnames.ts";
import { readThrough } from "../../auth/principal-cache/read-through.ts";
import { proxyHostKey } from "../../auth/principal-cache/forget.ts";

/** A proxy's own host names (`proxy.hostnames`, docs/proxy.md "Own host names"): which slug a Host reaches, and where a sign-in may hand its token. */

/**
 * `app.example.com:8787` → `app.example.com`; null for what no proxy can claim: `localhost`, IP
 * literals, and the dashboard's and PROXY_DOMAIN's names and every name under them (an app there
 * could set cookies for the dashboard's domain, or sit inside another app's host).
 */
export function ownHostCandidate(host: string | null | undefined, config: { issuer: string; proxyDomain: string | null }): string | null {
  if (!host) return null;
  const name = host.toLowerCase().replace(/:\d+$/, "");
  if (!name.includes(".") || name.startsWith("[") || /^[\d.]+$/.test(name)) return null;
  const reserved = [new URL(config.issuer).hostname, config.proxyDomain?.replace(/:\d+$/, "")].filter((d): d is string => !!d);
  if (reserved.some((d) => name === d || name.endsWith(`.${d}`))) return null;
  return proxyHostnameSchema.safeParse(name).success ? name : null;
}

/** The slug an own host name reaches, through the location's copies (a name nobody holds is asked of D1 each time). */
export async function slugOfOwnHost(c: Context<AppEnv>, host: string | null | undefined): Promise<string | null> {
  const name = ownHostCandidate(host, c.get("config"));
  if (!name) return null;
  const db = c.get("db");
  return readThrough<string | null>(c, { key: proxyHostKey(name), load: () => slugOfHostname(db, name), keep: (slug) => slug !== null });
}

/**
 * The own host a sign-in hands its proxy token to: one the instance holds, on the dashboard's own
 * port (none in production), so the token can go nowhere else.
 */
export async function ownHostOf(c: Context<AppEnv>, instanceId: string, given: string): Promise<string> {
  const name = ownHostCandidate(given, c.get("config"));
  const port = new URL(c.get("config").issuer).port;
  const givenPort = /:(\d+)$/.exec(given)?.[1] ?? "";
  if (!name || givenPort !== port || !(await hostnamesOf(c.get("db"), instanceId)).includes(name)) {
    throw new AppError("E-VALIDATION", "host is not one of this proxy's host names", { fields: [{ path: "host", message: "not this proxy's" }] });
  }
  return port ? `${name}:${port}` : name;
}

