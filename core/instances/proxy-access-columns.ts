import { storeProxyAccess, type ProxyAccess } from "@anchorage/common";
import type { InstanceRow } from "../db/schema.ts";

/** The instance columns that hold an access setting (common/src/proxy-access.ts). */
export function accessColumns(access: ProxyAccess): Pick<InstanceRow, "proxyAccess" | "proxyRules"> {
  const stored = storeProxyAccess(access);
  return { proxyAccess: stored.mode, proxyRules: stored.rules };
}
