import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { grantCovers, scopeGrantProblem, scopeTargetOf, SCOPE_CATALOG } from "@anchorage/common";

const target = (over: Partial<{ userId: string; resource: string; id: string; verb: string }> = {}) => ({
  root: "cloud" as const, userId: "usr_a", resource: "instances", id: "ins_1", verb: "read", ...over,
});

describe("scopes", () => {
  it("cover their own path and everything beneath it, never above or beside", () => {
    const g = (scope: string, actions = ["read"]) => ({ scope, actions });
    expect(grantCovers(g("cloud.usr_a"), target())).toBe(true);
    expect(grantCovers(g("cloud.usr_a.instances"), target())).toBe(true);
    expect(grantCovers(g("cloud.usr_a.instances.ins_1"), target())).toBe(true);
    // Beside: another instance, another user, another resource, another root.
    expect(grantCovers(g("cloud.usr_a.instances.ins_2"), target())).toBe(false);
    expect(grantCovers(g("cloud.usr_b.instances"), target())).toBe(false);
    expect(grantCovers(g("cloud.usr_a.shares"), target())).toBe(false);
    expect(grantCovers(g("storage.usr_a"), target())).toBe(false);
    // Above: one instance does not reach all of them.
    expect(grantCovers(g("cloud.usr_a.instances.ins_1"), target({ id: undefined }))).toBe(false);
    // The verb must be named.
    expect(grantCovers(g("cloud.usr_a", ["command"]), target())).toBe(false);
    // A prefix of an id is not the id.
    expect(grantCovers(g("cloud.usr_a.instances.ins_1"), target({ id: "ins_10" }))).toBe(false);
  });

  it("a narrower grant never covers what a broader one does not (property)", () => {
    const ids = fc.constantFrom("ins_1", "ins_2", undefined);
    const verbs = fc.constantFrom(...SCOPE_CATALOG.cloud.instances);
    fc.assert(
      fc.property(ids, ids, verbs, fc.subarray([...SCOPE_CATALOG.cloud.instances], { minLength: 1 }), (grantId, targetId, verb, actions) => {
        const narrow = { scope: `cloud.usr_a.instances${grantId ? `.${grantId}` : ""}`, actions };
        const broad = { scope: "cloud.usr_a.instances", actions };
        const t = target({ id: targetId, verb });
        if (grantCovers(narrow, t)) expect(grantCovers(broad, t)).toBe(true);
      }),
    );
  });

  it("map every instance action to a verb on the instance, and nothing of the account's but shares and anchoring", () => {
    const instance = { type: "instance" as const, instanceId: "ins_1", ownerId: "usr_a", grants: [] };
    expect(scopeTargetOf("terminal:cloud_instance", instance)).toMatchObject({ resource: "instances", id: "ins_1", verb: "terminal" });
    expect(scopeTargetOf("read:account", { type: "account", ownerId: "usr_a" })).toBeNull();
    expect(scopeTargetOf("update:account", { type: "account", ownerId: "usr_a" })).toBeNull();
    expect(scopeTargetOf("admin:users", { type: "system" })).toBeNull();
    expect(scopeTargetOf("read:data", { type: "data", ownerId: "usr_a", scope: "mod/notes" })).toMatchObject({ root: "storage", resource: "data", id: "mod/notes" });
  });

  it("name what is wrong with a grant", () => {
    expect(scopeGrantProblem({ scope: "cloud.usr_a.instances", actions: ["read"] })).toBeNull();
    expect(scopeGrantProblem({ scope: "storage.usr_a.registry.u1/app", actions: ["pull", "push"] })).toBeNull();
    expect(scopeGrantProblem({ scope: "storage.usr_a.registry", actions: ["read"] })).toMatch(/allowed: pull, push/);
    expect(scopeGrantProblem({ scope: "auth.usr_a.service-accounts", actions: ["read"] })).toMatch(/never granted/);
    expect(scopeGrantProblem({ scope: "cloud.usr a", actions: ["read"] })).toMatch(/letters, digits/);
  });
});
