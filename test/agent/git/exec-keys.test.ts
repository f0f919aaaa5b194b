import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GitRequestInput } from "@anchorage/common/protocol/git";
import { EXEC_CONFIG_KEYS, isExecConfigKey } from "../../../agent/src/git/exec-config.ts";
import { readDiff } from "../../../agent/src/git/git-diff.ts";
import { runGit, runTrusted } from "../../../agent/src/git/run-git.ts";
import { commitFile, git, initRepo, makeWorkspace, write, type Workspace } from "./fixture.ts";

/**
 * Security issue 19: a principal without `command:` must not run a program through git, whatever
 * the repository's config or hooks say (someone who could write .git/config, or the owner, set it).
 */

let ws: Workspace;
let repo: string;
let marker: string;
beforeEach(async () => {
  ws = await makeWorkspace();
  repo = initRepo(join(ws.root, "app"), { "a.txt": "a\n", "b.txt": "b\n" });
  git(repo, "branch", "other");
  marker = join(ws.outside, "pwned.txt");
});
afterEach(() => ws.cleanup());

/** A shell snippet that leaves the marker behind: what an attacker's program would do. */
const program = () => `touch '${marker}'; echo`;

/** One concrete key for each entry of EXEC_CONFIG_KEYS (`*` filled in), as a user would write it. */
const concreteKey = (pattern: string): string =>
  ({ "pager.*": "pager.status", "hook.*": "hook.pwn.command", "sendemail.*": "sendemail.smtpServer", "includeif.*": "includeIf.onbranch:main.path" })[pattern] ??
  pattern.replaceAll("*", "pwn");

/** Every operation the agent offers on a repository, as a sharee without `command:` would send it. */
const everyOp = (repo: string): GitRequestInput[] => [
  { op: "status", repo },
  { op: "log", repo },
  { op: "diff", repo },
  { op: "diff", repo, mode: "index" },
  { op: "diff", repo, mode: "commits", from: "HEAD~1" },
  { op: "stage", repo, paths: ["a.txt"] },
  { op: "unstage", repo, paths: ["a.txt"] },
  { op: "commit", repo, message: "m", author: { name: "S", email: "s@example.com" } },
  { op: "branches", repo },
  { op: "branch-create", repo, name: "new" },
  { op: "branch-create", repo, name: "new2", checkout: true },
  { op: "branch-delete", repo, name: "other" },
  { op: "checkout", repo, branch: "other" },
  { op: "fetch", repo },
  { op: "pull", repo },
  { op: "push", repo },
];

describe("exec-capable config keys", () => {
  it("every listed key is matched, with any subsection and in any case", () => {
    for (const key of EXEC_CONFIG_KEYS) expect(isExecConfigKey(concreteKey(key)), key).toBe(true);
    expect(isExecConfigKey("credential.https://example.com.helper")).toBe(true);
    expect(isExecConfigKey("Core.FSMonitor")).toBe(true);
    expect(isExecConfigKey("user.name")).toBe(false);
    expect(isExecConfigKey("core.bare")).toBe(false);
  });

  // One case per key: the repository's config sets it to a program, and every operation is refused.
  for (const pattern of EXEC_CONFIG_KEYS) {
    const key = concreteKey(pattern);
    it(`refuses every operation to an untrusted caller when .git/config sets ${key}`, async () => {
      commitFile(repo, "a.txt", "changed\n"); // so diff from HEAD~1 has something to say
      write(repo, "a.txt", "dirty\n");
      const head = git(repo, "rev-parse", "HEAD").trim();
      // core.worktree names a folder (here the repository's own, so it is still found at its path).
      git(repo, "config", key, key === "core.worktree" ? repo : program());
      for (const params of everyOp(repo)) {
        const err = await ws.refusal({ ...params, trusted: false });
        expect([err.code, params.op]).toEqual(["E-AUTH-FORBID", params.op]);
        expect(err.message).toContain(`sets ${key.toLowerCase().split(".")[0]}.`);
      }
      expect(existsSync(marker)).toBe(false);
      expect(git(repo, "rev-parse", "HEAD").trim()).toBe(head); // nothing committed, nothing switched
      expect(git(repo, "branch", "--list", "other").trim()).not.toBe("");
    });
  }

  it("names the key in the refusal, and lets the owner (trusted) use the repository as before", async () => {
    git(repo, "config", "core.fsmonitor", program());
    const err = await ws.refusal({ op: "status", repo, trusted: false });
    expect(err.code).toBe("E-AUTH-FORBID");
    expect(err.message).toContain("core.fsmonitor");
    await ws.call({ op: "status", repo, trusted: true });
    expect(existsSync(marker)).toBe(true); // trusted git still runs what the owner configured
  });

  it("follows include.path: a key set in an included file is judged as the repository's", async () => {
    writeFileSync(join(ws.base, "extra.gitconfig"), `[core]\n\tfsmonitor = ${program()}\n`);
    git(repo, "config", "include.path", join(ws.base, "extra.gitconfig"));
    const err = await ws.refusal({ op: "status", repo, trusted: false });
    expect(err.code).toBe("E-AUTH-FORBID");
    expect(existsSync(marker)).toBe(false);
  });

  it("judges the worktree config too", async () => {
    git(repo, "config", "extensions.worktreeConfig", "true");
    git(repo, "config", "--worktree", "diff.pwn.textconv", program());
    const err = await ws.refusal({ op: "diff", repo, trusted: false });
    expect(err.code).toBe("E-AUTH-FORBID");
    expect(err.message).toContain("worktree config");
  });

  it("judges a submodule's own config, which the superproject's git status runs in", async () => {
    const lib = initRepo(join(ws.base, "lib"), { "l.txt": "l\n" });
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", lib, "sub");
    git(repo, "commit", "-q", "-m", "add sub");
    git(join(repo, "sub"), "config", "core.fsmonitor", program());
    const err = await ws.refusal({ op: "status", repo, trusted: false });
    expect(err.code).toBe("E-AUTH-FORBID");
    expect(err.message).toContain("submodule sub");
    expect(existsSync(marker)).toBe(false);
    // Its core.worktree is how git finds the submodule's work tree: not a refusal on its own.
    git(join(repo, "sub"), "config", "--unset", "core.fsmonitor");
    expect((await ws.call({ op: "status", repo, trusted: false })).branch).toBe("main");
  });

  it("refuses a folder that is a git directory itself (no .git) pointing its work tree at itself", async () => {
    const trick = join(ws.root, "trick");
    git(ws.base, "init", "-q", "--bare", trick);
    git(trick, "config", "core.bare", "false");
    git(trick, "config", "core.worktree", trick);
    git(trick, "config", "core.fsmonitor", program());
    const err = await ws.refusal({ op: "status", repo: trick, trusted: false });
    expect(["E-AUTH-FORBID", "E-NOT-FOUND"]).toContain(err.code);
    expect(existsSync(marker)).toBe(false);
  });

  it("lists repositories for an untrusted caller without running the repository's programs", async () => {
    git(repo, "config", "core.fsmonitor", program());
    const listed = await ws.call({ op: "repos", trusted: false });
    expect(listed.repos.map((r) => r.path)).toEqual([repo]);
    expect(existsSync(marker)).toBe(false);
  });
});

describe("overrides on every untrusted git", () => {
  it("turns core.fsmonitor off even where the refusal is not asked (runGit itself)", async () => {
    git(repo, "config", "core.fsmonitor", program());
    await runTrusted(false, () => runGit(repo, ["status", "--porcelain"]));
    expect(existsSync(marker)).toBe(false);
    await runTrusted(true, () => runGit(repo, ["status", "--porcelain"]));
    expect(existsSync(marker)).toBe(true);
  });

  it("git outside runTrusted is untrusted (fails closed)", async () => {
    git(repo, "config", "core.fsmonitor", program());
    await runGit(repo, ["status", "--porcelain"]);
    expect(existsSync(marker)).toBe(false);
  });

  it("runs no textconv program in an untrusted diff", async () => {
    write(repo, ".gitattributes", "*.txt diff=pwn\n");
    git(repo, "config", "diff.pwn.textconv", `sh -c 'touch "${marker}"; cat "$0"'`);
    write(repo, "a.txt", "changed\n");
    await runTrusted(false, () => readDiff(repo, { mode: "worktree", paths: [] }));
    expect(existsSync(marker)).toBe(false);
    await runTrusted(true, () => readDiff(repo, { mode: "worktree", paths: [] }));
    expect(existsSync(marker)).toBe(true);
  });
});

describe("hooks in .git/hooks", () => {
  const hook = (name: string) => {
    const path = join(repo, ".git", "hooks", name);
    writeFileSync(path, `#!/bin/sh\necho ${name} >> '${marker}'\n`);
    chmodSync(path, 0o755);
  };
  /** The hooks that ran, one name a line. */
  const ran = () => (existsSync(marker) ? readFileSync(marker, "utf8") : "");

  for (const trusted of [false, true]) {
    it(`${trusted ? "run" : "do not run"} for a ${trusted ? "trusted" : "untrusted"} commit, checkout and branch switch`, async () => {
      for (const name of ["pre-commit", "commit-msg", "prepare-commit-msg", "post-commit", "post-checkout", "reference-transaction", "pre-push", "post-merge"]) hook(name);
      write(repo, "a.txt", "changed\n");
      await ws.call({ op: "stage", repo, paths: ["a.txt"], trusted });
      await ws.call({ op: "commit", repo, message: "with hooks", author: { name: "S", email: "s@example.com" }, trusted });
      await ws.call({ op: "checkout", repo, branch: "other", trusted });
      await ws.call({ op: "branch-create", repo, name: "third", checkout: true, trusted });
      const log = ran();
      if (trusted) {
        expect(log).toContain("pre-commit");
        expect(log).toContain("post-checkout");
      } else {
        expect(log).toBe("");
      }
    });
  }
});
