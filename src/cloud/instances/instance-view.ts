import type { Instance, SystemStats } from "@anchorage/common";
import type { InstanceAccess } from "../../../core/instances/instance-access.ts";
import type { InstanceTagSet } from "../../../core/instances/instance-tags.ts";

/** An instance as the API shows it: never its public key's raw parts, always what the caller may do. */
export function toInstanceView(a: InstanceAccess, stats: SystemStats | null = null, tags: InstanceTagSet = { all: [], config: [] }): Instance {
  const i = a.instance;
  return {
    id: i.id,
    name: i.name,
    owner_id: i.ownerId,
    relation: a.relation,
    permissions: a.permissions,
    status: i.status === "online" ? "online" : "offline",
    hostname: i.hostname,
    platform: i.platform,
    arch: i.arch,
    agent_version: i.agentVersion,
    fingerprint: i.fingerprint,
    proxy_slug: i.proxySlug,
    tags: tags.all,
    config_tags: tags.config,
    created_at: i.createdAt,
    last_seen_at: i.lastSeenAt,
    stats,
  };
}
