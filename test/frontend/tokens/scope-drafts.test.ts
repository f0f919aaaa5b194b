import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SCOPE_CATALOG, scopeGrantSchema } from "@anchorage/common";
import {
  actionsFor,
  draftGrant,
  draftProblem,
  grantDraft,
  newDraft,
  scopeProblem,
  withKind,
  type ResourceKind,
  type ScopeContext,
  type ScopeDraft,
} from "../../../frontend/src/tokens/scope-drafts.ts";
import { describeScope } from "../../../frontend/src/tokens/scope-labels.ts";

const ctx: ScopeContext = {
  userId: "usr_me",
  instances: [
    { id: "ins_mine", name: "build-box", owner_id: "usr_me", relation: "owner" },
    { id: "ins_theirs", name: "their-box", owner_id: "usr_other", relation: "shared" },
  ],
};

const draft = (kind: ResourceKind, target = "", actions: string[] = ["read"], module = ""): ScopeDraft => ({ kind, target, module, actions });

describe("scope builder: a row becomes a grant", () => {
  it("names my instances, one of mine, or one shared with me under its owner's id", () => {
    expect(draftGrant(draft("instances"), ctx)).toEqual({ scope: "cloud.usr_me.instances", actions: ["read"] });
    expect(draftGrant(draft("instances", "ins_mine", ["terminal", "read"]), ctx)).toEqual({ scope: "cloud.usr_me.instances.ins_mine", actions: ["read", "terminal"] });
    expect(draftGrant(draft("instances", "ins_theirs"), ctx).scope).toBe("cloud.usr_other.instances.ins_theirs");
  });

  it("builds every other kind from the catalog's place for it", () => {
    expect(draftGrant(draft("cloud"), ctx).scope).toBe("cloud.usr_me");
    expect(draftGrant(draft("shares"), ctx).scope).toBe("cloud.usr_me.shares");
    expect(draftGrant(draft("storage"), ctx).scope).toBe("storage.usr_me");
    expect(draftGrant(draft("data", "public"), ctx).scope).toBe("storage.usr_me.data.public");
    expect(draftGrant(draft("data", "mod", ["read"], " notes "), ctx).scope).toBe("storage.usr_me.data.mod/notes");
    expect(draftGrant(draft("registry", "", ["pull"]), ctx).scope).toBe("storage.usr_me.registry");
    expect(draftGrant(draft("registry", "web/app", ["push"]), ctx).scope).toBe("storage.usr_me.registry.web/app");
  });

  it("offers the catalog's actions for each kind, the union at a root", () => {
    expect(actionsFor(draft("instances"))).toEqual(SCOPE_CATALOG.cloud.instances);
    expect(actionsFor(draft("registry"))).toEqual(SCOPE_CATALOG.storage.registry);
    expect([...actionsFor(draft("storage"))].sort()).toEqual(["pull", "push", "read", "write"]);
    expect(actionsFor(draft("advanced", "cloud.usr_me.mirrors"))).toEqual(SCOPE_CATALOG.cloud.mirrors);
    expect(actionsFor(draft("advanced", "not a scope"))).toEqual([]);
    // "auth" is never grantable, so it offers nothing to tick.
    expect(actionsFor(draft("advanced", "auth.usr_me"))).toEqual([]);
  });
});

describe("scope builder: problems, in the server's words", () => {
  it("refuses a typed scope as the server would, as it is typed", () => {
    expect(scopeProblem(draft("advanced", "auth.usr_me", []), ctx)).toMatch(/^"auth" scopes are never granted to a token/);
    expect(scopeProblem(draft("advanced", "cloud.usr_me.bogus", []), ctx)).toBe('Unknown resource "bogus" under cloud (known: instances, shares, mirrors)');
    expect(scopeProblem(draft("advanced", "cloud", []), ctx)).toBe("Must be <root>.<user_id>[.<resource>[.<id>]]");
    expect(scopeProblem(draft("advanced", "   ", []), ctx)).toBe("Type a scope, such as cloud.usr_me.instances.");
  });

  it("never sends a tick whose box the scope no longer shows", () => {
    // "terminal" was ticked under instances, then the scope was typed as shares.
    const d = draft("advanced", "cloud.usr_me.shares", ["terminal"]);
    expect(scopeProblem(d, ctx)).toBeNull();
    expect(draftProblem(d, ctx)).toBe("Tick at least one action.");
    expect(draftGrant({ ...d, actions: ["terminal", "read"] }, ctx)).toEqual({ scope: "cloud.usr_me.shares", actions: ["read"] });
  });

  it("offers anchor for all instances, not for one (a new instance has no id to name)", () => {
    expect(actionsFor(draft("instances"))).toContain("anchor");
    expect(actionsFor(draft("instances", "ins_mine"))).not.toContain("anchor");
    expect(actionsFor(draft("advanced", "cloud.usr_me.instances.ins_mine"))).not.toContain("anchor");
    expect(draftGrant(draft("instances", "ins_mine", ["anchor", "read"]), ctx).actions).toEqual(["read"]);
  });

  it("asks for an action only when the row is sent, and for a module's name", () => {
    expect(scopeProblem(draft("instances", "", []), ctx)).toBeNull();
    expect(draftProblem(draft("instances", "", []), ctx)).toBe("Tick at least one action.");
    expect(draftProblem(draft("data", "mod", ["read"], "  "), ctx)).toBe("Name the module.");
    expect(draftProblem(draft("registry", "bad repo!", ["pull"]), ctx)).toMatch(/^Id may hold only/);
    expect(draftProblem(draft("instances"), ctx)).toBeNull();
  });
});

describe("scope builder: switching the kind of a row", () => {
  it("keeps the actions that still apply", () => {
    const d = withKind(draft("instances", "ins_mine", ["read", "command"]), "shares", ctx);
    expect(d).toEqual({ kind: "shares", target: "", module: "", actions: ["read"] });
  });

  it("turns into the same scope typed in full under Advanced", () => {
    const d = withKind(draft("instances", "ins_theirs", ["git"]), "advanced", ctx);
    expect(d).toEqual({ kind: "advanced", target: "cloud.usr_other.instances.ins_theirs", module: "", actions: ["git"] });
  });

  it("starts a new row on all my instances, nothing ticked", () => {
    expect(newDraft()).toEqual({ kind: "instances", target: "", module: "", actions: [] });
  });
});

describe("scope builder: an existing grant back into a row", () => {
  it("uses a picker where one fits and the typed scope where none does", () => {
    expect(grantDraft({ scope: "storage.usr_me.data.mod/notes", actions: ["read"] }, ctx)).toEqual(draft("data", "mod", ["read"], "notes"));
    expect(grantDraft({ scope: "cloud.usr_other.instances.ins_theirs", actions: ["read"] }, ctx)).toEqual(draft("instances", "ins_theirs"));
    // An instance this person does not see (deleted, or someone else's) stays as written.
    expect(grantDraft({ scope: "cloud.usr_me.instances.ins_gone", actions: ["read"] }, ctx)).toEqual(draft("advanced", "cloud.usr_me.instances.ins_gone"));
    expect(grantDraft({ scope: "cloud.usr_other.instances", actions: ["read"] }, ctx)).toEqual(draft("advanced", "cloud.usr_other.instances"));
    expect(grantDraft({ scope: "cloud.usr_me.shares.shr_1", actions: ["read"] }, ctx)).toEqual(draft("advanced", "cloud.usr_me.shares.shr_1"));
  });
});

/** Any row the pickers can produce (not "advanced"), with at least one of its actions ticked. */
const pickedDraft: fc.Arbitrary<ScopeDraft> = fc
  .oneof(
    fc.constantFrom<ResourceKind>("cloud", "shares", "mirrors", "storage").map((kind) => draft(kind, "", [])),
    fc.constantFrom("", ...ctx.instances.map((i) => i.id)).map((id) => draft("instances", id, [])),
    fc.constantFrom("", "public", "private").map((t) => draft("data", t, [])),
    fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/).map((m) => draft("data", "mod", [], m)),
    fc.oneof(fc.constant(""), fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9_./-]{0,40}$/)).map((r) => draft("registry", r, [])),
  )
  .chain((d) => fc.subarray([...actionsFor(d)], { minLength: 1 }).map((actions) => ({ ...d, actions })));

describe("scope builder: properties over every row the pickers make", () => {
  it("the server's schema accepts the grant, it reads back into the same row, and it has words", () => {
    fc.assert(
      fc.property(pickedDraft, (d) => {
        expect(draftProblem(d, ctx)).toBeNull();
        const grant = draftGrant(d, ctx);
        expect(scopeGrantSchema.safeParse(grant).success).toBe(true);
        const back = grantDraft(grant, ctx);
        expect({ ...back, actions: [...back.actions].sort() }).toEqual({ ...d, actions: [...d.actions].sort() });
        expect(describeScope(grant.scope, ctx)).not.toBe(grant.scope);
      }),
    );
  });

  it("typing the same scope under Advanced grants the same", () => {
    fc.assert(
      fc.property(pickedDraft, (d) => {
        expect(draftGrant(withKind(d, "advanced", ctx), ctx)).toEqual(draftGrant(d, ctx));
      }),
    );
  });
});
