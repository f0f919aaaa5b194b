import { describe, expect, it } from "vitest";
import { actionHint, describeGrant, describeScope } from "../../../frontend/src/tokens/scope-labels.ts";
import type { ScopeContext } from "../../../frontend/src/tokens/scope-drafts.ts";

const ctx: ScopeContext = {
  userId: "usr_me",
  instances: [
    { id: "ins_mine", name: "build-box", owner_id: "usr_me", relation: "owner" },
    { id: "ins_theirs", name: "their-box", owner_id: "usr_other", relation: "shared" },
  ],
};

describe("scopes in words", () => {
  it.each([
    ["cloud.usr_me", "All your cloud resources"],
    ["cloud.usr_me.instances", "All your instances"],
    ["cloud.usr_me.instances.ins_mine", "Instance “build-box”"],
    ["cloud.usr_other.instances.ins_theirs", "Instance “their-box” of usr_other"],
    ["cloud.usr_me.instances.ins_unknown", "Instance ins_unknown"],
    ["cloud.usr_other.instances", "All usr_other’s instances"],
    ["cloud.usr_me.shares", "Your shares"],
    ["cloud.usr_me.mirrors", "Your mirrors"],
    ["storage.usr_me", "All your storage (data and registry)"],
    ["storage.usr_me.data", "All your data"],
    ["storage.usr_me.data.public", "Your public data"],
    ["storage.usr_me.data.private", "Your private data"],
    ["storage.usr_me.data.mod/notes", "Your data of module “notes”"],
    ["storage.usr_me.registry", "All your registry repositories"],
    ["storage.usr_me.registry.web/app", "Your registry repository “web/app”"],
  ])("%s → %s", (scope, words) => {
    expect(describeScope(scope, ctx)).toBe(words);
  });

  it("leaves a scope it cannot read as it is", () => {
    expect(describeScope("nonsense", ctx)).toBe("nonsense");
    expect(describeScope("queue.usr_me.jobs", ctx)).toBe("queue.usr_me.jobs");
  });

  it("describes a grant with its actions", () => {
    expect(describeGrant({ scope: "cloud.usr_me.instances.ins_mine", actions: ["read", "command"] }, ctx)).toBe("Instance “build-box”: read, command");
  });

  it("hints what an action allows, and at a root which resources it reaches", () => {
    expect(actionHint("cloud", "instances", "terminal")).toBe("open terminals");
    expect(actionHint("cloud", undefined, "read")).toBe("on instances, shares, mirrors");
    expect(actionHint("cloud", undefined, "command")).toBe("on instances");
    expect(actionHint("storage", undefined, "push")).toBe("on registry");
    expect(actionHint("cloud", "bogus", "read")).toBe("");
  });
});
