import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commitFile, git, initRepo, makeWorkspace, write, type Workspace } from "./fixture.ts";

let ws: Workspace;
let repo: string;
beforeEach(async () => {
  ws = await makeWorkspace();
  repo = initRepo(join(ws.root, "app"), { "f.txt": "base\n", "other.txt": "x\n" });
  git(repo, "switch", "-q", "-c", "theirs");
  commitFile(repo, "f.txt", "theirs\n");
  git(repo, "switch", "-q", "main");
  commitFile(repo, "f.txt", "ours\n");
});
afterEach(() => ws.cleanup());

function mergeWithConflict(): void {
  expect(() => git(repo, "merge", "theirs")).toThrow();
}

describe("a repository in the middle of a merge", () => {
  it("reports the merge and the conflicted file", async () => {
    mergeWithConflict();
    const status = await ws.call({ op: "status", repo });
    expect(status).toMatchObject({ operation: "merge", conflicted: ["f.txt"], staged: [], unstaged: [] });
  });

  it("refuses checkout, creating a branch with checkout, and pull", async () => {
    mergeWithConflict();
    const message = `${repo} is in the middle of a merge; finish or abort it first`;
    expect(await ws.refusal({ op: "checkout", repo, branch: "theirs" })).toMatchObject({ code: "E-CONFLICT", message });
    expect(await ws.refusal({ op: "branch-create", repo, name: "escape", checkout: true })).toMatchObject({ code: "E-CONFLICT", message });
    expect(await ws.refusal({ op: "pull", repo })).toMatchObject({ code: "E-CONFLICT", message });
    expect(git(repo, "branch", "--show-current").trim()).toBe("main");
    expect(git(repo, "branch", "--list", "escape").trim()).toBe("");
  });

  it("still reads, stages, and concludes the merge with a commit", async () => {
    mergeWithConflict();
    expect((await ws.call({ op: "branch-create", repo, name: "later" })).branches.map((b) => b.name)).toContain("later");
    expect((await ws.call({ op: "diff", repo })).diff).toContain("<<<<<<<");
    write(repo, "f.txt", "both\n");
    const staged = await ws.call({ op: "stage", repo, paths: ["f.txt"] });
    expect(staged).toMatchObject({ operation: "merge", conflicted: [], staged: [{ path: "f.txt", status: "M" }] });

    await ws.call({ op: "commit", repo, message: "Merge theirs", author: { name: "Ada", email: "ada@example.com" } });
    expect(git(repo, "log", "-1", "--format=%P").trim().split(" ")).toHaveLength(2);
    expect(await ws.call({ op: "status", repo })).toMatchObject({ operation: null, conflicted: [] });
  });

  it("concludes a merge resolved to our side, with nothing staged", async () => {
    mergeWithConflict();
    git(repo, "checkout", "--ours", "--", "f.txt");
    git(repo, "add", "f.txt");
    await ws.call({ op: "commit", repo, message: "Keep ours", author: { name: "Ada", email: "ada@example.com" } });
    expect(git(repo, "log", "-1", "--format=%s").trim()).toBe("Keep ours");
  });
});

describe("other operations in progress", () => {
  it("reports a rebase stopped on a conflict and refuses checkout", async () => {
    git(repo, "switch", "-q", "theirs");
    expect(() => git(repo, "rebase", "main")).toThrow();
    expect(await ws.call({ op: "status", repo })).toMatchObject({ operation: "rebase", conflicted: ["f.txt"] });
    expect((await ws.refusal({ op: "checkout", repo, branch: "main" })).message).toContain("in the middle of a rebase");
  });

  it("reports a rebase of the apply backend", async () => {
    git(repo, "switch", "-q", "theirs");
    expect(() => git(repo, "rebase", "--apply", "main")).toThrow();
    expect(await ws.call({ op: "status", repo })).toMatchObject({ operation: "rebase" });
  });

  it("reports a cherry-pick stopped on a conflict", async () => {
    expect(() => git(repo, "cherry-pick", "theirs")).toThrow();
    expect(await ws.call({ op: "status", repo })).toMatchObject({ operation: "cherry-pick" });
  });

  it("reports a revert stopped on a conflict", async () => {
    commitFile(repo, "f.txt", "later\n");
    expect(() => git(repo, "revert", "--no-edit", "HEAD~1")).toThrow();
    expect(await ws.call({ op: "status", repo })).toMatchObject({ operation: "revert" });
  });

  it("reports a bisect, and lets checkout through", async () => {
    git(repo, "bisect", "start");
    expect(await ws.call({ op: "status", repo })).toMatchObject({ operation: "bisect" });
    expect((await ws.call({ op: "checkout", repo, branch: "theirs" })).branch).toBe("theirs");
  });
});
