import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_DIFF_BYTES } from "@anchorage/common/protocol/git";
import { commitFile, git, initRepo, makeWorkspace, write, type Workspace } from "./fixture.ts";

let ws: Workspace;
let repo: string;
beforeEach(async () => {
  ws = await makeWorkspace();
  repo = initRepo(join(ws.root, "app"), { "keep.txt": "keep\n", "edit.txt": "one\n", "gone.txt": "bye\n", "move.txt": "moving\n" });
});
afterEach(() => ws.cleanup());

describe("status", () => {
  it("sorts changes into staged, unstaged, untracked", async () => {
    write(repo, "edit.txt", "two\n");
    git(repo, "add", "edit.txt");
    write(repo, "edit.txt", "three\n"); // staged and changed again since
    write(repo, "new file.txt", "new\n");
    git(repo, "add", "new file.txt");
    rmSync(join(repo, "gone.txt"));
    git(repo, "mv", "move.txt", "moved.txt");
    write(repo, "scratch/notes.md", "notes\n");

    const status = await ws.call({ op: "status", repo });
    expect(status).toMatchObject({ repo, branch: "main", upstream: null, ahead: 0, behind: 0, operation: null, conflicted: [] });
    expect(status.head).toBe(git(repo, "rev-parse", "HEAD").trim());
    expect(status.staged).toEqual(
      expect.arrayContaining([
        { path: "edit.txt", status: "M" },
        { path: "new file.txt", status: "A" },
        { path: "moved.txt", status: "R", orig_path: "move.txt" },
      ]),
    );
    expect(status.staged).toHaveLength(3);
    expect(status.unstaged).toEqual(expect.arrayContaining([{ path: "edit.txt", status: "M" }, { path: "gone.txt", status: "D" }]));
    expect(status.unstaged).toHaveLength(2);
    expect(status.untracked).toEqual(["scratch/"]);
  });

  it("reports no head before the first commit", async () => {
    const empty = initRepo(join(ws.root, "empty"));
    write(empty, "a.txt", "a\n");
    const status = await ws.call({ op: "status", repo: empty });
    expect(status).toMatchObject({ branch: "main", head: null, staged: [], untracked: ["a.txt"] });
  });

  it("reports a detached HEAD as no branch", async () => {
    git(repo, "switch", "-q", "--detach", "HEAD");
    expect(await ws.call({ op: "status", repo })).toMatchObject({ branch: null, head: git(repo, "rev-parse", "HEAD").trim() });
  });
});

describe("log", () => {
  it("pages newest first and says whether more follow", async () => {
    const shas = [git(repo, "rev-parse", "HEAD").trim()];
    for (let i = 1; i <= 4; i++) shas.push(commitFile(repo, "edit.txt", `v${i}\n`, `edit ${i}`));
    const newestFirst = [...shas].reverse();

    const first = await ws.call({ op: "log", repo, limit: 2 });
    expect(first.commits.map((c) => c.sha)).toEqual(newestFirst.slice(0, 2));
    expect(first.has_more).toBe(true);
    expect(first.commits[0]).toMatchObject({ parents: [shas[3]], author_name: "Fixture", author_email: "fixture@example.com", subject: "edit 4" });
    expect(Date.parse(first.commits[0]!.date)).not.toBeNaN();

    const last = await ws.call({ op: "log", repo, skip: 4, limit: 2 });
    expect(last.commits.map((c) => c.sha)).toEqual([shas[0]]);
    expect(last.commits[0]!.parents).toEqual([]);
    expect(last.has_more).toBe(false);

    const exact = await ws.call({ op: "log", repo, skip: 3, limit: 2 });
    expect(exact.has_more).toBe(false);
  });

  it("reads the history of another ref", async () => {
    git(repo, "branch", "old");
    commitFile(repo, "edit.txt", "later\n", "later");
    const log = await ws.call({ op: "log", repo, ref: "old" });
    expect(log.commits.map((c) => c.subject)).toEqual(["first"]);
  });

  it("answers an empty history for a repository without commits", async () => {
    const empty = initRepo(join(ws.root, "empty"));
    expect(await ws.call({ op: "log", repo: empty })).toEqual({ commits: [], has_more: false });
  });

  it("refuses an unknown revision", async () => {
    expect((await ws.refusal({ op: "log", repo, ref: "no-such-branch" })).code).toBe("E-VALIDATION");
  });
});

describe("diff", () => {
  it("shows unstaged changes in the worktree mode and staged ones in the index mode", async () => {
    write(repo, "edit.txt", "staged\n");
    git(repo, "add", "edit.txt");
    write(repo, "keep.txt", "unstaged\n");

    const worktree = await ws.call({ op: "diff", repo, mode: "worktree" });
    expect(worktree.truncated).toBe(false);
    expect(worktree.diff).toContain("+unstaged");
    expect(worktree.diff).not.toContain("+staged");

    const index = await ws.call({ op: "diff", repo, mode: "index" });
    expect(index.diff).toContain("+staged");
    expect(index.diff).not.toContain("+unstaged");
  });

  it("diffs the index before the first commit", async () => {
    const empty = initRepo(join(ws.root, "empty"));
    write(empty, "a.txt", "hello\n");
    git(empty, "add", "a.txt");
    const { diff } = await ws.call({ op: "diff", repo: empty, mode: "index" });
    expect(diff).toContain("new file mode");
    expect(diff).toContain("+hello");
  });

  it("diffs two commits, to HEAD by default, limited to paths", async () => {
    const base = git(repo, "rev-parse", "HEAD").trim();
    commitFile(repo, "edit.txt", "two\n");
    commitFile(repo, "keep.txt", "changed\n");

    const all = await ws.call({ op: "diff", repo, mode: "commits", from: base });
    expect(all.diff).toContain("+two");
    expect(all.diff).toContain("+changed");

    const one = await ws.call({ op: "diff", repo, mode: "commits", from: base, to: "HEAD~1", paths: ["edit.txt"] });
    expect(one.diff).toContain("+two");
    expect(one.diff).not.toContain("keep.txt");
  });

  it("needs from in the commits mode, and takes revisions in no other", async () => {
    expect((await ws.refusal({ op: "diff", repo, mode: "commits" })).message).toMatch(/^from:/);
    expect((await ws.refusal({ op: "diff", repo, mode: "worktree", from: "HEAD" })).code).toBe("E-VALIDATION");
  });

  it("cuts a diff past MAX_DIFF_BYTES and says so", async () => {
    write(repo, "big.txt", "a line of text, repeated to make a diff larger than the limit\n".repeat(Math.ceil((MAX_DIFF_BYTES * 1.5) / 60)));
    git(repo, "add", "big.txt");
    const { diff, truncated } = await ws.call({ op: "diff", repo, mode: "index" });
    expect(truncated).toBe(true);
    expect(Buffer.byteLength(diff)).toBeLessThanOrEqual(MAX_DIFF_BYTES);
    expect(Buffer.byteLength(diff)).toBeGreaterThan(MAX_DIFF_BYTES - 4);
  });
});

describe("stage and unstage", () => {
  it("stages a change, a new file and a deletion, and unstages them again", async () => {
    write(repo, "edit.txt", "two\n");
    write(repo, "new.txt", "new\n");
    rmSync(join(repo, "gone.txt"));

    const staged = await ws.call({ op: "stage", repo, paths: ["edit.txt", "new.txt", "gone.txt"] });
    expect(staged.staged).toEqual([
      { path: "edit.txt", status: "M" },
      { path: "gone.txt", status: "D" },
      { path: "new.txt", status: "A" },
    ]);
    expect(staged.unstaged).toEqual([]);

    const unstaged = await ws.call({ op: "unstage", repo, paths: ["edit.txt", "gone.txt", "new.txt"] });
    expect(unstaged.staged).toEqual([]);
    expect(unstaged.unstaged).toEqual([{ path: "edit.txt", status: "M" }, { path: "gone.txt", status: "D" }]);
    expect(unstaged.untracked).toEqual(["new.txt"]);
  });

  it("stages a whole directory, and normalizes the paths it is given", async () => {
    write(repo, "docs/a.md", "a\n");
    write(repo, "docs/b.md", "b\n");
    const status = await ws.call({ op: "stage", repo, paths: ["./docs/"] });
    expect(status.staged.map((c) => c.path)).toEqual(["docs/a.md", "docs/b.md"]);
  });

  it("stages and unstages before the first commit", async () => {
    const empty = initRepo(join(ws.root, "empty"));
    write(empty, "a.txt", "a\n");
    write(empty, "dir/b.txt", "b\n");
    const staged = await ws.call({ op: "stage", repo: empty, paths: ["a.txt", "dir"] });
    expect(staged.staged).toEqual([{ path: "a.txt", status: "A" }, { path: "dir/b.txt", status: "A" }]);
    const unstaged = await ws.call({ op: "unstage", repo: empty, paths: ["a.txt", "dir"] });
    expect(unstaged).toMatchObject({ head: null, staged: [], untracked: ["a.txt", "dir/"] });
    expect(existsSync(join(empty, "a.txt"))).toBe(true); // out of the index, still on disk
  });
});

describe("commit", () => {
  it("commits what is staged with the given author as author and committer", async () => {
    write(repo, "edit.txt", "two\n");
    git(repo, "add", "edit.txt");
    write(repo, "keep.txt", "not staged\n");
    git(repo, "config", "commit.cleanup", "strip"); // would drop the # line below

    const done = await ws.call({ op: "commit", repo, message: "Edit the file\n\n# 42 is not a comment", author: { name: "Ada Lovelace", email: "ada@example.com" } });
    expect(done).toEqual({ sha: git(repo, "rev-parse", "HEAD").trim(), summary: "Edit the file" });
    expect(git(repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>").trim()).toBe("Ada Lovelace <ada@example.com>|Ada Lovelace <ada@example.com>");
    expect(git(repo, "log", "-1", "--format=%B").trim()).toBe("Edit the file\n\n# 42 is not a comment");
    expect(git(repo, "show", "--name-only", "--format=", "HEAD").trim()).toBe("edit.txt");
  });

  it("makes the first commit of a repository", async () => {
    const empty = initRepo(join(ws.root, "empty"));
    write(empty, "a.txt", "a\n");
    await ws.call({ op: "stage", repo: empty, paths: ["a.txt"] });
    const done = await ws.call({ op: "commit", repo: empty, message: "Start", author: { name: "Ada", email: "ada@example.com" } });
    expect(done.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(git(empty, "log", "--format=%s").trim()).toBe("Start");
  });

  it("refuses a commit with nothing staged", async () => {
    write(repo, "edit.txt", "unstaged only\n");
    const err = await ws.refusal({ op: "commit", repo, message: "Nothing", author: { name: "Ada", email: "ada@example.com" } });
    expect(err).toMatchObject({ code: "E-VALIDATION", message: "nothing staged to commit" });
    expect(git(repo, "rev-list", "--count", "HEAD").trim()).toBe("1");
  });
});

describe("branches", () => {
  it("lists, creates, switches and deletes branches", async () => {
    const head = git(repo, "rev-parse", "HEAD").trim();
    expect(await ws.call({ op: "branches", repo })).toEqual({ current: "main", branches: [{ name: "main", sha: head, upstream: null, current: true }] });

    const created = await ws.call({ op: "branch-create", repo, name: "feature/x" });
    expect(created.current).toBe("main");
    expect(created.branches.map((b) => b.name)).toEqual(["feature/x", "main"]);

    const switched = await ws.call({ op: "checkout", repo, branch: "feature/x" });
    expect(switched.branch).toBe("feature/x");

    const deleted = await ws.call({ op: "branch-delete", repo, name: "main" });
    expect(deleted).toEqual({ current: "feature/x", branches: [{ name: "feature/x", sha: head, upstream: null, current: true }] });
  });

  it("creates a branch at a start point and switches to it", async () => {
    const base = git(repo, "rev-parse", "HEAD").trim();
    commitFile(repo, "edit.txt", "two\n");
    const created = await ws.call({ op: "branch-create", repo, name: "fix", start: base, checkout: true });
    expect(created.current).toBe("fix");
    expect(created.branches.find((b) => b.name === "fix")?.sha).toBe(base);
  });

  it("refuses to delete the current branch", async () => {
    const err = await ws.refusal({ op: "branch-delete", repo, name: "main" });
    expect(err.code).toBe("E-CONFLICT");
    expect(err.message).toContain("current branch");
  });

  it("deletes an unmerged branch only when forced", async () => {
    git(repo, "switch", "-q", "-c", "wip");
    commitFile(repo, "edit.txt", "wip\n");
    git(repo, "switch", "-q", "main");
    expect((await ws.refusal({ op: "branch-delete", repo, name: "wip" })).code).toBe("E-CONFLICT");
    const deleted = await ws.call({ op: "branch-delete", repo, name: "wip", force: true });
    expect(deleted.branches.map((b) => b.name)).toEqual(["main"]);
  });

  it("refuses a name git does not accept even when the schema does", async () => {
    const err = await ws.refusal({ op: "branch-create", repo, name: "a/.hidden" });
    expect(err.code).toBe("E-VALIDATION");
    expect(git(repo, "branch", "--format=%(refname:short)").trim()).toBe("main");
  });

  it("refuses to switch to a branch that does not exist", async () => {
    expect((await ws.refusal({ op: "checkout", repo, branch: "nowhere" })).code).toBe("E-VALIDATION");
  });

  it("refuses a switch that would overwrite local changes", async () => {
    git(repo, "switch", "-q", "-c", "other");
    commitFile(repo, "edit.txt", "other\n");
    git(repo, "switch", "-q", "main");
    write(repo, "edit.txt", "mine\n");
    expect((await ws.refusal({ op: "checkout", repo, branch: "other" })).code).toBe("E-CONFLICT");
    expect(git(repo, "branch", "--show-current").trim()).toBe("main");
  });
});
