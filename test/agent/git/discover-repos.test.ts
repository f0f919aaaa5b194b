import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agentConfigSchema } from "@anchorage/common/agent-config";
import { discoverRepos } from "../../../agent/src/git/discover-repos.ts";
import { git, initRepo, makeWorkspace, type Workspace } from "./fixture.ts";

let ws: Workspace;
beforeEach(async () => {
  ws = await makeWorkspace();
});
afterEach(() => ws.cleanup());

describe("repos", () => {
  it("finds the root's own repository, nested ones and empty ones, with branch and head", async () => {
    initRepo(ws.root, { "README.md": "root\n" });
    const web = initRepo(join(ws.root, "apps", "web"), { "index.html": "<p>\n" });
    git(web, "switch", "-q", "-c", "dev");
    const empty = initRepo(join(ws.root, "empty"));

    const { repos } = await ws.call({ op: "repos" });
    expect(repos).toEqual([
      { path: ws.root, branch: "main", head: git(ws.root, "rev-parse", "HEAD").trim() },
      { path: web, branch: "dev", head: git(web, "rev-parse", "HEAD").trim() },
      { path: empty, branch: "main", head: null },
    ]);
  });

  it("skips node_modules and anything deeper than four levels", async () => {
    initRepo(join(ws.root, "node_modules", "dep"), { "index.js": "\n" });
    const deepest = initRepo(join(ws.root, "a", "b", "c", "d"), { "f": "\n" });
    initRepo(join(ws.root, "a", "b", "c", "d", "e"), { "f": "\n" });
    const { repos } = await ws.call({ op: "repos" });
    expect(repos.map((r) => r.path)).toEqual([deepest]);
  });

  it("does not follow a symlink out of the roots", async () => {
    initRepo(join(ws.outside, "secret"), { "key": "\n" });
    symlinkSync(ws.outside, join(ws.root, "link"));
    expect((await ws.call({ op: "repos" })).repos).toEqual([]);
  });

  it("lists a repository once when roots overlap, and ignores a root that does not exist", async () => {
    const app = initRepo(join(ws.root, "app"), { "f": "\n" });
    const config = agentConfigSchema.parse({ name: "t", roots: [ws.root, app, join(ws.base, "missing")] });
    expect((await discoverRepos(config)).map((r) => r.path)).toEqual([app]);
  });

  it("lists a linked worktree, whose .git is a file", async () => {
    const app = initRepo(join(ws.root, "app"), { "f": "\n" });
    const tree = join(ws.root, "app-wt");
    git(app, "worktree", "add", "-q", "-b", "side", tree);
    const { repos } = await ws.call({ op: "repos" });
    expect(repos.find((r) => r.path === tree)).toMatchObject({ branch: "side" });
  });

  it("skips a directory whose .git git cannot read", async () => {
    mkdirSync(join(ws.root, "broken", ".git"), { recursive: true });
    expect((await ws.call({ op: "repos" })).repos).toEqual([]);
  });
});
