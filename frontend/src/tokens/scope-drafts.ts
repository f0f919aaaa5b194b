import { actionsUnder, parseScopePath, scopeGrantProblem, type ScopeGrant } from "@anchorage/common/scope-paths";
import type { Instance } from "@anchorage/common";

/**
 * The scope builder's model: a row the person fills in (a kind of resource, which one, the
 * actions ticked) and the grant `{scope, actions}` it stands for, and back. Every scope and
 * action comes from SCOPE_CATALOG through `actionsUnder`, and every grant is checked with the
 * same `scopeGrantProblem` the server runs, so the form refuses what the server would.
 */

/** What the signed-in person can name in a scope: themselves and the instances they see. */
export interface ScopeContext {
  userId: string;
  instances: readonly Pick<Instance, "id" | "name" | "owner_id" | "relation">[];
}

export type ResourceKind = "cloud" | "instances" | "shares" | "mirrors" | "storage" | "data" | "registry" | "advanced";

export interface ScopeDraft {
  kind: ResourceKind;
  /**
   * instances: "" (all of mine) or an instance id; data: "" (all), "public", "private" or "mod";
   * registry: "" (all) or a repository name; advanced: the whole scope as typed. Otherwise "".
   */
  target: string;
  /** data with target "mod": the module's name. */
  module: string;
  actions: string[];
}

/** Each kind's place in the scope tree: `<root>.<user>[.<resource>]`. */
const PLACE: Record<Exclude<ResourceKind, "advanced">, { root: string; resource?: string }> = {
  cloud: { root: "cloud" },
  instances: { root: "cloud", resource: "instances" },
  shares: { root: "cloud", resource: "shares" },
  mirrors: { root: "cloud", resource: "mirrors" },
  storage: { root: "storage" },
  data: { root: "storage", resource: "data" },
  registry: { root: "storage", resource: "registry" },
};

/** The resource picker's choices, in the order shown. */
export const RESOURCE_KINDS: readonly { kind: ResourceKind; label: string }[] = [
  { kind: "instances", label: "My instances" },
  { kind: "cloud", label: "All my cloud resources" },
  { kind: "shares", label: "My shares" },
  { kind: "mirrors", label: "My mirrors" },
  { kind: "data", label: "My data" },
  { kind: "registry", label: "My registry" },
  { kind: "storage", label: "All my storage (data and registry)" },
  { kind: "advanced", label: "Advanced: type a scope" },
];

export const DATA_TARGETS: readonly { value: string; label: string }[] = [
  { value: "", label: "All my data" },
  { value: "public", label: "Public (anyone can read it)" },
  { value: "private", label: "Private" },
  { value: "mod", label: "One module's data" },
];

export const newDraft = (): ScopeDraft => ({ kind: "instances", target: "", module: "", actions: [] });

/** Where a draft sits in the scope tree, or null when its typed scope does not parse. */
export function draftPlace(d: ScopeDraft): { root: string; resource?: string } | null {
  if (d.kind !== "advanced") return PLACE[d.kind];
  const path = parseScopePath(d.target.trim());
  return typeof path === "string" ? null : path;
}

/** The actions a row offers as tick boxes, in catalog order (none for a scope that does not parse). */
export function actionsFor(d: ScopeDraft): readonly string[] {
  const place = draftPlace(d);
  const actions = (place && actionsUnder(place.root, place.resource)) ?? [];
  // Anchoring makes a new instance, which has no id yet: a scope naming one instance never
  // covers it (scopeTargetOf), so it is not offered there.
  return namesOneInstance(d) ? actions.filter((a) => a !== "anchor") : actions;
}

function namesOneInstance(d: ScopeDraft): boolean {
  if (d.kind === "instances") return d.target !== "";
  const path = d.kind === "advanced" ? parseScopePath(d.target.trim()) : null;
  return typeof path === "object" && path !== null && path.resource === "instances" && path.id !== undefined;
}

/**
 * The ticked actions the row still offers, in catalog order. A tick on a box no longer shown
 * (after the scope changed) is kept in the draft, so changing back restores it, but never sent.
 */
export const tickedActions = (d: ScopeDraft): string[] => actionsFor(d).filter((a) => d.actions.includes(a));

/** The scope a draft stands for. An instance shared with me sits under its owner's id. */
export function draftScope(d: ScopeDraft, ctx: ScopeContext): string {
  const me = ctx.userId;
  switch (d.kind) {
    case "advanced":
      return d.target.trim();
    case "instances": {
      if (!d.target) return `cloud.${me}.instances`;
      const owner = ctx.instances.find((i) => i.id === d.target)?.owner_id ?? me;
      return `cloud.${owner}.instances.${d.target}`;
    }
    case "data":
      if (!d.target) return `storage.${me}.data`;
      return `storage.${me}.data.${d.target === "mod" ? `mod/${d.module.trim()}` : d.target}`;
    case "registry":
      return d.target.trim() ? `storage.${me}.registry.${d.target.trim()}` : `storage.${me}.registry`;
    default: {
      const { root, resource } = PLACE[d.kind];
      return resource ? `${root}.${me}.${resource}` : `${root}.${me}`;
    }
  }
}

/**
 * What is wrong with the scope itself or the actions ticked (the server's own check), or null.
 * Nothing ticked yet is not a problem here: the form says so only when it is sent.
 */
export function scopeProblem(d: ScopeDraft, ctx: ScopeContext): string | null {
  if (d.kind === "advanced" && !d.target.trim()) return `Type a scope, such as cloud.${ctx.userId}.instances.`;
  if (d.kind === "data" && d.target === "mod" && !d.module.trim()) return "Name the module.";
  const problem = scopeGrantProblem({ scope: draftScope(d, ctx), actions: tickedActions(d) });
  return problem && problem[0]!.toUpperCase() + problem.slice(1);
}

/** Why a draft cannot be sent as it is, in words for the person filling it in; null when it can. */
export const draftProblem = (d: ScopeDraft, ctx: ScopeContext): string | null =>
  scopeProblem(d, ctx) ?? (tickedActions(d).length === 0 ? "Tick at least one action." : null);

/** The grant a draft stands for, its actions in catalog order. */
export const draftGrant = (d: ScopeDraft, ctx: ScopeContext): ScopeGrant => ({ scope: draftScope(d, ctx), actions: tickedActions(d) });

/** A draft that edits an existing grant: a picker row when one fits, else the typed scope. */
export function grantDraft(g: ScopeGrant, ctx: ScopeContext): ScopeDraft {
  const actions = [...g.actions];
  const typed: ScopeDraft = { kind: "advanced", target: g.scope, module: "", actions };
  const path = parseScopePath(g.scope);
  if (typeof path === "string") return typed;
  const { root, userId, resource, id } = path;
  const draft = (kind: ResourceKind, target = "", module = ""): ScopeDraft => ({ kind, target, module, actions });

  if (root === "cloud" && resource === "instances" && id !== undefined) {
    // One instance: mine, or one I see whose owner the scope names.
    const known = ctx.instances.some((i) => i.id === id && i.owner_id === userId);
    return known ? draft("instances", id) : typed;
  }
  if (userId !== ctx.userId) return typed;
  if (id === undefined) {
    const kind = (Object.keys(PLACE) as (keyof typeof PLACE)[]).find((k) => PLACE[k].root === root && PLACE[k].resource === resource);
    return kind ? draft(kind) : typed;
  }
  if (root === "storage" && resource === "data") {
    if (id === "public" || id === "private") return draft("data", id);
    if (id.startsWith("mod/") && id.length > 4) return draft("data", "mod", id.slice(4));
    return typed;
  }
  if (root === "storage" && resource === "registry") return draft("registry", id);
  return typed;
}

/**
 * The draft after the person picks another kind: actions that still apply stay ticked; picking
 * "advanced" starts from the scope built so far, so it can be edited by hand.
 */
export function withKind(d: ScopeDraft, kind: ResourceKind, ctx: ScopeContext): ScopeDraft {
  if (kind === d.kind) return d;
  if (kind === "advanced") return { kind, target: draftScope(d, ctx), module: "", actions: tickedActions(d) };
  const next: ScopeDraft = { kind, target: "", module: "", actions: [] };
  const offered = actionsFor(next);
  return { ...next, actions: d.actions.filter((a) => offered.includes(a)) };
}
