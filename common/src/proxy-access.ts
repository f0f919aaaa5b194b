import ipaddr from "ipaddr.js";
import { z } from "zod";

/**
 * Who may reach a proxied app (docs/proxy.md, "Access rules"): `users` (signed-in users with proxy
 * permission on the instance), `public` (anyone), or a list of rules, any one of which lets a visitor
 * in; once rules are set, whoever matches none is refused. Set in the agent's config
 * (`proxy.access`) or by the owner through the API, whose choice wins until cleared.
 */

/** A CIDR range (`10.0.0.0/8`, `2001:db8::/32`) or a single address, which means just that address. */
export const cidrSchema = z
  .string()
  .max(64)
  .refine((s) => parseRange(s) !== null, "must be an IPv4 or IPv6 address or CIDR range, like 10.0.0.0/8");

const domainSchema = z
  .string()
  .max(253)
  .transform((s) => s.trim().toLowerCase().replace(/^@/, ""))
  .refine((s) => /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(s), "must be a domain name, like example.com");

export const proxyAccessRuleSchema = z.union([
  z.strictObject({ email_domain: domainSchema }),
  z.strictObject({ email: z.email().max(254).transform((s) => s.toLowerCase()) }),
  z.strictObject({ ip: cidrSchema }),
  z.strictObject({
    basic: z.strictObject({
      user: z.string().min(1).max(100).refine((u) => !u.includes(":"), "a Basic user name cannot contain ':'"),
      password_sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, "the SHA-256 of the password, 64 hex digits (printf %s 'pw' | sha256sum)").transform((s) => s.toLowerCase()),
    }),
  }),
  z.strictObject({ token: z.literal(true) }),
]);
export type ProxyAccessRule = z.infer<typeof proxyAccessRuleSchema>;

export const MAX_PROXY_ACCESS_RULES = 50;

export const proxyAccessRulesSchema = z.strictObject({
  allow: z.array(proxyAccessRuleSchema).min(1, "list at least one rule (or use access: users)").max(MAX_PROXY_ACCESS_RULES),
});
export type ProxyAccessRules = z.infer<typeof proxyAccessRulesSchema>;

export const proxyAccessSchema = z.union([z.enum(["users", "public"]), proxyAccessRulesSchema]);
export type ProxyAccess = z.infer<typeof proxyAccessSchema>;

/** How an access setting is stored: its mode, and for rules their JSON. */
export type StoredProxyAccess = { mode: "users" | "public" | "rules"; rules: string | null };

export function storeProxyAccess(access: ProxyAccess): StoredProxyAccess {
  return typeof access === "string" ? { mode: access, rules: null } : { mode: "rules", rules: JSON.stringify(access) };
}

/** The stored setting back as rules; null (with `users` meaning) when the stored JSON is unreadable. */
export function readProxyAccessRules(json: string | null): ProxyAccessRules | null {
  if (!json) return null;
  try {
    const parsed = proxyAccessRulesSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Rules as shown to someone who may not change them: a Basic rule's password hash is hidden. */
export function redactAccessRules(rules: ProxyAccessRules): unknown {
  return { allow: rules.allow.map((r) => ("basic" in r ? { basic: { user: r.basic.user, password_sha256: "[redacted]" } } : r)) };
}

/** A config as shown to its readers (GET …/config): the access rules' password hashes hidden. */
export function redactProxyAccess(access: ProxyAccess): unknown {
  return typeof access === "string" ? access : redactAccessRules(access);
}

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

function parseRange(s: string): Range | null {
  try {
    if (s.includes("/")) {
      const [addr, bits] = ipaddr.parseCIDR(s);
      return [unmapped(addr), addr.kind() === "ipv6" && unmapped(addr).kind() === "ipv4" ? bits - 96 : bits];
    }
    const addr = unmapped(ipaddr.parse(s));
    return [addr, addr.kind() === "ipv4" ? 32 : 128];
  } catch {
    return null;
  }
}

/** An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is the IPv4 address. */
function unmapped(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address() : addr;
}

/** True when `ip` (the client's address as the edge reports it) is inside `range`. */
export function ipInRange(ip: string | null, range: string): boolean {
  if (!ip) return false;
  const r = parseRange(range);
  if (!r) return false;
  let addr;
  try {
    addr = unmapped(ipaddr.parse(ip.trim()));
  } catch {
    return false;
  }
  if (addr.kind() !== r[0].kind()) return false;
  return addr.match(r[0] as never, r[1]);
}

/** The domain part of an address, lower-cased. */
export const emailDomain = (email: string) => email.slice(email.lastIndexOf("@") + 1).toLowerCase();
