import type { Action, Resource } from "./permissions.ts";

// Plain functions and data only, no zod: the dashboard imports this module without shipping zod.

/**
 * API-token scopes (DESIGN.md, Tokens): `<root>.<user_id>[.<resource>[.<id>]]`, each granted
 * with a list of actions. A scope covers everything beneath it: `cloud.usr_1.instances` with
 * `read` reads every instance of usr_1, `cloud.usr_1.instances.ins_2` only that one, and
 * `cloud.usr_1` every cloud resource of usr_1.
 *
 * What an instance allows is a verb on `instances[.<id>]` (read, command, terminal, git, sync,
 * proxy, manage), the same seven actions a share names, so one id path cascades and a token
 * cannot hold a terminal on an instance it cannot see.
 */
export const SCOPE_CATALOG = {
  cloud: {
    instances: ["read", "command", "terminal", "git", "sync", "proxy", "manage", "anchor"],
    shares: ["read", "write"],
    mirrors: ["read", "write"],
  },
  storage: {
    data: ["read", "write"],
    registry: ["pull", "push"],
  },
} as const;

export type ScopeRoot = keyof typeof SCOPE_CATALOG;

/**
 * Never grantable to a token, as the auth services do: only a signed-in session manages
 * tokens and service accounts, so a leaked token cannot mint another.
 */
export const SESSION_ONLY_ROOTS = ["auth"] as const;

/** A scope as written, split into its parts. `id` is an instance id, `public`, `private`, `mod/<name>` or a repository. */
export type ScopePath = { root: string; userId: string; resource?: string; id?: string };

const segment = /^[A-Za-z0-9_-]{1,64}$/;
const idPattern = /^[A-Za-z0-9_./-]{1,128}$/;

export function parseScopePath(scope: string): ScopePath | string {
  const parts = scope.split(".");
  if (parts.length < 2) return "must be <root>.<user_id>[.<resource>[.<id>]]";
  // The id is the rest: a repository may hold dots.
  const [root, userId, resource] = parts as [string, string, string?];
  const id = parts.length > 3 ? parts.slice(3).join(".") : undefined;
  if (!segment.test(root) || !segment.test(userId)) return "root and user id may hold only letters, digits, _ and -";
  if (resource !== undefined && !segment.test(resource)) return "resource may hold only letters, digits, _ and -";
  if (id !== undefined && !idPattern.test(id)) return "id may hold only letters, digits, _, ., - and /";
  return { root, userId, ...(resource !== undefined ? { resource } : {}), ...(id !== undefined ? { id } : {}) };
}

/** Actions that a scope at this depth can carry: the union over the resources beneath it. */
export function actionsUnder(root: string, resource?: string): readonly string[] | null {
  const catalog = (SCOPE_CATALOG as Record<string, Record<string, readonly string[]>>)[root];
  if (!catalog) return null;
  if (resource === undefined) return [...new Set(Object.values(catalog).flat())];
  return catalog[resource] ?? null;
}

/** Why a grant is not well formed, or null. (Whether its creator may grant it is the Worker's check.) */
export function scopeGrantProblem(grant: { scope: string; actions: readonly string[] }): string | null {
  const path = parseScopePath(grant.scope);
  if (typeof path === "string") return path;
  if ((SESSION_ONLY_ROOTS as readonly string[]).includes(path.root)) {
    return `"${path.root}" scopes are never granted to a token: only a signed-in session manages tokens and service accounts`;
  }
  const allowed = actionsUnder(path.root, path.resource);
  if (!allowed) {
    return path.resource === undefined || !(path.root in SCOPE_CATALOG)
      ? `unknown root "${path.root}" (known: ${Object.keys(SCOPE_CATALOG).join(", ")})`
      : `unknown resource "${path.resource}" under ${path.root} (known: ${Object.keys(SCOPE_CATALOG[path.root as ScopeRoot]).join(", ")})`;
  }
  if (path.id !== undefined && path.resource === "instances" && !segment.test(path.id)) return "an instance id holds only letters, digits, _ and -";
  const unknown = grant.actions.filter((a) => !allowed.includes(a));
  if (unknown.length) return `unknown action${unknown.length > 1 ? "s" : ""} ${unknown.map((a) => `"${a}"`).join(", ")} for ${grant.scope} (allowed: ${allowed.join(", ")})`;
  return null;
}


/** A granted scope: a path and the actions it carries (scopes.ts validates and normalizes them). */
export type ScopeGrant = { scope: string; actions: string[] };

/** What is being done: a verb on a path. `id` absent means all of them (a listing, a stream of all events). */
export type ScopeTarget = { root: ScopeRoot; userId: string; resource: string; id?: string; verb: string };

/** True when the grant's path is the target's or an ancestor of it, and names the verb. */
export function grantCovers(grant: ScopeGrant, target: ScopeTarget): boolean {
  if (!grant.actions.includes(target.verb)) return false;
  const path = parseScopePath(grant.scope);
  if (typeof path === "string") return false;
  if (path.root !== target.root || path.userId !== target.userId) return false;
  if (path.resource === undefined) return true;
  if (path.resource !== target.resource) return false;
  if (path.id === undefined) return true;
  return target.id !== undefined && path.id === target.id;
}

export const scopesCover = (grants: readonly ScopeGrant[], target: ScopeTarget) => grants.some((g) => grantCovers(g, target));

/** The scope verb for each instance action permit() decides. */
const INSTANCE_VERBS: Partial<Record<Action, string>> = {
  "read:cloud_instance": "read",
  "command:cloud_instance": "command",
  "terminal:cloud_instance": "terminal",
  "git:cloud_instance": "git",
  "sync:cloud_instance": "sync",
  "proxy:cloud_instance": "proxy",
  "manage:cloud_instance": "manage",
};

/**
 * What a token needs to hold for `action` on `resource`, or null when no scope can grant it
 * (account settings, administration, token management: a session's alone).
 */
export function scopeTargetOf(action: Action, resource: Resource): ScopeTarget | null {
  switch (resource.type) {
    case "instance": {
      const verb = INSTANCE_VERBS[action];
      return verb ? { root: "cloud", userId: resource.ownerId, resource: "instances", id: resource.instanceId, verb } : null;
    }
    case "account":
      if (action === "anchor:cloud_instance") return { root: "cloud", userId: resource.ownerId, resource: "instances", verb: "anchor" };
      if (action === "read:cloud_shares") return { root: "cloud", userId: resource.ownerId, resource: "shares", verb: "read" };
      if (action === "write:cloud_shares") return { root: "cloud", userId: resource.ownerId, resource: "shares", verb: "write" };
      return null;
    case "data":
      if (action !== "read:data" && action !== "write:data") return null;
      return { root: "storage", userId: resource.ownerId, resource: "data", id: resource.scope, verb: action === "read:data" ? "read" : "write" };
    case "registry":
      if (action !== "pull:registry" && action !== "push:registry") return null;
      return { root: "storage", userId: resource.ownerId, resource: "registry", id: resource.repository, verb: action === "pull:registry" ? "pull" : "push" };
    default:
      return null;
  }
}
