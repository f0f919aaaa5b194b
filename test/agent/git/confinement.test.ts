import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agentConfigSchema } from "@anchorage/common/agent-config";
import { handleGit } from "../../../agent/src/git/git-ops.ts";
import { confinePaths } from "../../../agent/src/git/repo-paths.ts";
import { git, initRepo, makeWorkspace, rpcRejection, write, type Workspace } from "./fixture.ts";

let ws: Workspace;
let repo: string;
beforeEach(async () => {
  ws = await makeWorkspace();
  repo = initRepo(join(ws.root, "app"), { "a.txt": "a\n" });
});
afterEach(() => ws.cleanup());

const confineRefusal = (paths: string[]) => rpcRejection(confinePaths(repo, paths));

describe("repository outside the roots", () => {
  it("refuses a repository outside the project roots", async () => {
    const elsewhere = initRepo(join(ws.outside, "elsewhere"), { "f": "\n" });
    const err = await ws.refusal({ op: "status", repo: elsewhere });
    expect(err).toMatchObject({ code: "E-AUTH-FORBID", message: `${elsewhere} is outside the project roots` });
  });

  it("refuses a root-relative escape and a symlink out of the roots", async () => {
    initRepo(join(ws.outside, "elsewhere"), { "f": "\n" });
    symlinkSync(join(ws.outside, "elsewhere"), join(ws.root, "link"));
    expect((await ws.refusal({ op: "log", repo: join(ws.root, "link") })).code).toBe("E-AUTH-FORBID");
    expect((await ws.refusal({ op: "log", repo: `${ws.root}/../outside/elsewhere` })).code).toBe("E-AUTH-FORBID");
  });

  it("does not tell whether a path outside the roots exists", async () => {
    expect((await ws.refusal({ op: "status", repo: join(ws.outside, "nothing") })).code).toBe("E-AUTH-FORBID");
    expect((await ws.refusal({ op: "status", repo: join(ws.root, "nothing") })).code).toBe("E-NOT-FOUND");
  });

  it("refuses a directory inside a repository, which is not its top", async () => {
    mkdirSync(join(repo, "sub"));
    const err = await ws.refusal({ op: "status", repo: join(repo, "sub") });
    expect(err.code).toBe("E-NOT-FOUND");
    expect((await ws.refusal({ op: "status", repo: ws.root })).code).toBe("E-NOT-FOUND"); // not a repository at all
    expect((await ws.refusal({ op: "status", repo: join(repo, ".git") })).code).toBe("E-NOT-FOUND");
  });

  it("refuses everything when no project root is configured", async () => {
    const config = agentConfigSchema.parse({ name: "no-roots" });
    const err = await handleGit({ op: "status", repo }, { ...ws.ctx, config }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "E-CONFIG" });
  });

  it("refuses a relative repository path", async () => {
    expect((await ws.refusal({ op: "status", repo: "root/app" })).code).toBe("E-VALIDATION");
  });
});

describe("paths that leave the repository", () => {
  it("refuses ../ and absolute paths before git runs", async () => {
    for (const path of ["../outside/x", "docs/../../x", "/etc/passwd"]) {
      const err = await ws.refusal({ op: "stage", repo, paths: ["a.txt", path] });
      expect(err.code).toBe("E-VALIDATION");
      expect(err.message).toMatch(/^paths\.1:/);
    }
    expect((await confineRefusal(["../x"])).code).toBe("E-AUTH-FORBID");
    expect((await confineRefusal(["/etc/passwd"])).code).toBe("E-AUTH-FORBID");
  });

  it("refuses to stage or diff a symlink that points outside the repository", async () => {
    write(ws.outside, "secret.txt", "secret\n");
    symlinkSync(join(ws.outside, "secret.txt"), join(repo, "leak"));
    symlinkSync(ws.outside, join(repo, "leakdir"));
    for (const path of ["leak", "leakdir", "leakdir/secret.txt", "leakdir/not-yet-there"]) {
      const err = await ws.refusal({ op: "stage", repo, paths: [path] });
      expect(err).toMatchObject({ code: "E-AUTH-FORBID", message: `path "${path}" leads outside the repository` });
    }
    expect((await ws.refusal({ op: "diff", repo, paths: ["leakdir/secret.txt"] })).code).toBe("E-AUTH-FORBID");
    expect(git(repo, "status", "--porcelain").trim()).toBe("?? leak\n?? leakdir"); // nothing staged
  });

  it("refuses a dangling symlink whose target would be outside", async () => {
    symlinkSync(join(ws.outside, "later"), join(repo, "dangling"));
    expect((await confineRefusal(["dangling"])).code).toBe("E-AUTH-FORBID");
    expect((await confineRefusal(["dangling/below"])).code).toBe("E-AUTH-FORBID");
  });

  it("accepts a symlink that stays inside, and a deleted file", async () => {
    symlinkSync("a.txt", join(repo, "alias"));
    expect(await confinePaths(repo, ["alias", "gone/deeper/file.txt", "./a.txt"])).toEqual(["alias", "gone/deeper/file.txt", "a.txt"]);
  });
});

describe("arguments git could take for options", () => {
  it("stages files named like options as files", async () => {
    write(repo, "-rf", "not an option\n");
    write(repo, "--output=/tmp/x", "nor this\n");
    const status = await ws.call({ op: "stage", repo, paths: ["-rf", "--output=/tmp/x"] });
    expect(status.staged).toEqual([{ path: "--output=/tmp/x", status: "A" }, { path: "-rf", status: "A" }]);
    expect(existsSync(join(repo, "a.txt"))).toBe(true);
  });

  it("diffs a file named --output=… instead of writing the diff to it", async () => {
    write(repo, "--output=leak.txt", "content\n");
    git(repo, "add", "--", "--output=leak.txt");
    const { diff } = await ws.call({ op: "diff", repo, mode: "index", paths: ["--output=leak.txt"] });
    expect(diff).toContain("+content");
    expect(existsSync(join(repo, "leak.txt"))).toBe(false);
  });

  it("takes a path with glob characters or pathspec magic literally", async () => {
    write(repo, "b.txt", "b\n");
    write(repo, "c.txt", "c\n");
    for (const path of ["*.txt", ":(glob)*.txt", ":/"]) {
      const err = await ws.refusal({ op: "stage", repo, paths: [path] });
      expect(err).toMatchObject({ code: "E-VALIDATION", message: expect.stringContaining("did not match any files") });
    }
    expect((await ws.call({ op: "status", repo })).untracked).toEqual(["b.txt", "c.txt"]);
  });

  it("refuses revisions that start with -", async () => {
    const log = await ws.refusal({ op: "log", repo, ref: "--output=x" });
    expect(log).toMatchObject({ code: "E-VALIDATION" });
    expect(log.message).toMatch(/^ref:/);
    expect((await ws.refusal({ op: "diff", repo, mode: "commits", from: "--output=x" })).code).toBe("E-VALIDATION");
    expect((await ws.refusal({ op: "branch-create", repo, name: "b", start: "-D" })).code).toBe("E-VALIDATION");
    expect(existsSync(join(repo, "x"))).toBe(false);
  });

  it("refuses branch names that start with -", async () => {
    for (const name of ["-D", "--force"]) {
      expect((await ws.refusal({ op: "branch-create", repo, name })).code).toBe("E-VALIDATION");
      expect((await ws.refusal({ op: "branch-delete", repo, name })).code).toBe("E-VALIDATION");
      expect((await ws.refusal({ op: "checkout", repo, branch: name })).code).toBe("E-VALIDATION");
    }
    expect(git(repo, "branch", "--format=%(refname:short)").trim()).toBe("main");
  });

  it("refuses a remote that starts with -", async () => {
    expect((await ws.refusal({ op: "fetch", repo, remote: "--upload-pack=touch x" })).code).toBe("E-VALIDATION");
  });

  it("refuses an unknown operation or field", async () => {
    expect((await ws.refusal({ op: "gc", repo })).code).toBe("E-VALIDATION");
    expect((await ws.refusal({ op: "status", repo, exec: "rm -rf /" })).code).toBe("E-VALIDATION");
    expect((await ws.refusal(null)).code).toBe("E-VALIDATION");
  });
});
