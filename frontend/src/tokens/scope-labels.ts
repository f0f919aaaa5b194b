import { parseScopePath, SCOPE_CATALOG, type ScopeGrant } from "@anchorage/common/scope-paths";
import type { ScopeContext } from "./scope-drafts.ts";

/** Scopes and actions in words: "All your instances", "Instance “build-box”: read, command". */

const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);
const quoted = (s: string) => `“${s}”`;

/** What a scope covers, in words; the scope itself when it names nothing this knows. */
export function describeScope(scope: string, ctx: ScopeContext): string {
  const path = parseScopePath(scope);
  if (typeof path === "string") return scope;
  const { root, userId, resource, id } = path;
  const mine = userId === ctx.userId;
  const whose = mine ? "your" : `${userId}’s`;

  if (root === "cloud") {
    if (resource === undefined) return `All ${whose} cloud resources`;
    if (resource === "instances") {
      if (id === undefined) return `All ${whose} instances`;
      const name = ctx.instances.find((i) => i.id === id)?.name;
      return `Instance ${name ? quoted(name) : id}${mine ? "" : ` of ${userId}`}`;
    }
    if (resource === "shares" || resource === "mirrors") return id === undefined ? `${cap(whose)} ${resource}` : `${cap(whose)} ${resource.slice(0, -1)} ${id}`;
  }
  if (root === "storage") {
    if (resource === undefined) return `All ${whose} storage (data and registry)`;
    if (resource === "data") {
      if (id === undefined) return `All ${whose} data`;
      if (id === "public" || id === "private") return `${cap(whose)} ${id} data`;
      if (id.startsWith("mod/")) return `${cap(whose)} data of module ${quoted(id.slice(4))}`;
      return `${cap(whose)} data ${id}`;
    }
    if (resource === "registry") return id === undefined ? `All ${whose} registry repositories` : `${cap(whose)} registry repository ${quoted(id)}`;
  }
  return scope;
}

/** What each action allows on a resource, as a short hint beside its tick box. */
const ACTION_HINTS: Record<string, Record<string, string>> = {
  instances: {
    read: "status, info and logs",
    command: "run allowed commands",
    terminal: "open terminals",
    git: "git operations",
    sync: "sync files",
    proxy: "reach the published app",
    manage: "rename, disconnect, delete",
    anchor: "anchor new machines",
  },
  shares: { read: "list shares", write: "share and unshare" },
  mirrors: { read: "list mirrors", write: "create and change mirrors" },
  data: { read: "read values", write: "write and delete values" },
  registry: { pull: "pull images", push: "push images" },
};

/**
 * The hint for one action of a scope at `root` (and `resource`). At the root, where an action
 * reaches every resource beneath that carries it, the hint names those resources.
 */
export function actionHint(root: string, resource: string | undefined, action: string): string {
  if (resource !== undefined) return ACTION_HINTS[resource]?.[action] ?? "";
  const catalog = (SCOPE_CATALOG as Record<string, Record<string, readonly string[]>>)[root] ?? {};
  const under = Object.keys(catalog).filter((r) => catalog[r]!.includes(action));
  return under.length ? `on ${under.join(", ")}` : "";
}

/** "read, command". */
export const describeActions = (actions: readonly string[]) => actions.join(", ");

/** One grant in words, for a list: "Instance “build-box”: read, command". */
export const describeGrant = (g: ScopeGrant, ctx: ScopeContext) => `${describeScope(g.scope, ctx)}: ${describeActions(g.actions)}`;
