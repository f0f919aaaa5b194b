import { SCOPE_CATALOG } from "@anchorage/common";

/**
 * What an MCP client may ask for with OAuth: one scope per thing a person can do on an instance.
 * On approval they become the verbs of an API token on the user's instances (and on what others
 * share with them), so an MCP client is bound by exactly the same scopes and permit() as a script.
 */
export const MCP_OAUTH_SCOPES = {
  "cloud:read": { verb: "read", label: "See your instances, their status, health, logs and config" },
  "cloud:command": { verb: "command", label: "Run their allowed commands (restart included)" },
  "cloud:terminal": { verb: "terminal", label: "Open a shell on them" },
  "cloud:git": { verb: "git", label: "Read and change their git repositories" },
  "cloud:sync": { verb: "sync", label: "Sync files between them" },
  "cloud:proxy": { verb: "proxy", label: "Reach their published apps" },
  "cloud:manage": { verb: "manage", label: "Pause and resume published apps, disconnect or delete instances" },
} as const satisfies Record<string, { verb: (typeof SCOPE_CATALOG.cloud.instances)[number]; label: string }>;

export type McpOAuthScope = keyof typeof MCP_OAUTH_SCOPES;
export const isMcpOAuthScope = (s: string): s is McpOAuthScope => s in MCP_OAUTH_SCOPES;
