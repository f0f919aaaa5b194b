import { proxyAccessSchema, storeProxyAccess, type ProxyAccess } from "@anchorage/common";
import type { InstanceRow } from "../db/schema.ts";

/** The instance columns that hold an access setting (common/src/proxy-access.ts). */
export function accessColumns(access: ProxyAccess): Pick<InstanceRow, "proxyAccess" | "proxyRules"> {
  const stored = storeProxyAccess(access);
  return { proxyAccess: stored.mode, proxyRules: stored.rules };
}

/** The access the agent's config stated, as kept in `proxy_access_config`; `users` when unreadable. */
export function configAccessOf(row: Pick<InstanceRow, "proxyAccessConfig">): ProxyAccess {
  try {
    const parsed = proxyAccessSchema.safeParse(JSON.parse(row.proxyAccessConfig ?? '"users"'));
    return parsed.success ? parsed.data : "users";
  } catch {
    return "users";
  }
}
