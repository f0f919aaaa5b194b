import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until } from "./agent-process.ts";

/**
 * Git end to end: `npm start`, a real agent, real repositories in a temp dir and a bare repo
 * as their remote, every operation through the REST routes, and the refusals.
 */
const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", GIT_AUTHOR_NAME: "Seed", GIT_AUTHOR_EMAIL: "seed@example.test", GIT_COMMITTER_NAME: "Seed", GIT_COMMITTER_EMAIL: "seed@example.test" } });

describe("git", () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-git-e2e-")));
  const root = join(base, "root");
  const remote = join(base, "remote.git");
  const app = join(root, "app");
  const other = join(root, "other-clone");
  let owner: TestUser;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let id = "";
  const get = (op: string, query: Record<string, string | string[]>, token = owner.token) => {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) for (const x of [v].flat()) qs.append(k, x);
    return api(`/api/cloud/instance/${id}/git/${op}?${qs}`, { token });
  };
  const post = (op: string, body: unknown, token = owner.token) => api(`/api/cloud/instance/${id}/git/${op}`, { token, body });

  beforeAll(async () => {
    mkdirSync(root);
    git(base, "init", "-q", "--bare", "-b", "main", remote);
    git(root, "clone", "-q", remote, app);
    git(app, "checkout", "-q", "-b", "main");
    writeFileSync(join(app, "README.md"), "hello\n");
    git(app, "add", "README.md");
    git(app, "commit", "-q", "-m", "first");
    git(app, "push", "-q", "origin", "main");
    git(root, "clone", "-q", "-b", "main", remote, other);
    mkdirSync(join(root, "node_modules", "dep"), { recursive: true });
    git(join(root, "node_modules", "dep"), "init", "-q", "-b", "main"); // never listed
    owner = await freshUser("git-owner");
    agent = await startAgent(owner.token, `name: git-box\nroots: [${JSON.stringify(root)}]\n`);
    id = agent.instanceId;
    await until(async () => (await api(`/api/cloud/instance/${id}`, { token: owner.token })).body.status === "online", 20_000);
  });
  afterAll(() => {
    agent?.run.child.kill("SIGKILL");
    rmSync(base, { recursive: true, force: true });
  });

  it("finds the repositories under the project roots, node_modules skipped", async () => {
    const r = await get("repos", {});
    expect(r.status).toBe(200);
    expect(r.body.repos.map((x: any) => x.path).sort()).toEqual([app, other].sort());
    expect(r.body.repos.find((x: any) => x.path === app)).toMatchObject({ branch: "main" });
  });

  it("stages, diffs, commits as the signed-in user, and pages the log", async () => {
    writeFileSync(join(app, "README.md"), "hello\nworld\n");
    writeFileSync(join(app, "new.txt"), "new\n");
    let s = await get("status", { repo: app });
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({ branch: "main", operation: null, staged: [], untracked: ["new.txt"] });
    expect(s.body.unstaged).toEqual([{ path: "README.md", status: "M" }]);
    const worktree = await get("diff", { repo: app, mode: "worktree" });
    expect(worktree.body.diff).toContain("+world");

    s = await post("stage", { repo: app, paths: ["README.md", "new.txt"] });
    expect(s.status).toBe(200);
    expect(s.body.staged.map((c: any) => c.path).sort()).toEqual(["README.md", "new.txt"]);
    expect((await get("diff", { repo: app, mode: "index", path: "new.txt" })).body.diff).toContain("+new");
    s = await post("unstage", { repo: app, paths: ["new.txt"] });
    expect(s.body.untracked).toEqual(["new.txt"]);

    const committed = await post("commit", { repo: app, message: "second: world" });
    expect(committed.status).toBe(200);
    expect(committed.body.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(git(app, "log", "-1", "--format=%ae|%s").trim()).toBe(`${owner.email}|second: world`);
    expect((await post("commit", { repo: app, message: "nothing" })).status).toBe(400);

    const page1 = await get("log", { repo: app, limit: "1" });
    expect(page1.body).toMatchObject({ has_more: true, commits: [{ sha: committed.body.sha, subject: "second: world", author_email: owner.email }] });
    const page2 = await get("log", { repo: app, limit: "1", skip: "1" });
    expect(page2.body).toMatchObject({ has_more: false, commits: [{ subject: "first" }] });
    const between = await get("diff", { repo: app, mode: "commits", from: "HEAD~1", to: "HEAD" });
    expect(between.body.diff).toContain("+world");
  });

  it("creates, switches and deletes branches, and refuses to delete the current one", async () => {
    let b = await post("branches", { repo: app, name: "feature/x", checkout: true });
    expect(b.status).toBe(200);
    expect(b.body.current).toBe("feature/x");
    expect((await post("branches/delete", { repo: app, name: "feature/x" })).status).toBe(409);
    expect((await post("checkout", { repo: app, branch: "main" })).body.branch).toBe("main");
    b = await post("branches/delete", { repo: app, name: "feature/x" });
    expect(b.body.branches.map((x: any) => x.name)).toEqual(["main"]);
    expect((await get("branches", { repo: app })).body).toMatchObject({ current: "main" });
  });

  it("pushes and pulls through the remote as recorded actions with their output", async () => {
    const pushed = await post("push", { repo: app, remote: "origin", branch: "main" });
    expect(pushed.status).toBe(200);
    expect(pushed.body).toMatchObject({ status: "success", exit_code: 0 });
    expect(pushed.body.command).toBe(`git push ${app}`);
    expect(git(remote, "rev-parse", "main").trim()).toBe(git(app, "rev-parse", "HEAD").trim());
    const pulled = await post("pull", { repo: other });
    expect(pulled.body).toMatchObject({ status: "success", exit_code: 0 });
    expect(git(other, "log", "-1", "--format=%s").trim()).toBe("second: world");
    const actions = await api(`/api/cloud/instance/${id}/actions`, { token: owner.token });
    expect(actions.body.actions.map((a: any) => a.command)).toEqual(expect.arrayContaining([`git push ${app}`, `git pull ${other}`]));
  });

  it("reports a repository in the middle of a merge, and will not switch branches under it", async () => {
    git(other, "checkout", "-q", "-b", "side");
    writeFileSync(join(other, "README.md"), "side\n");
    git(other, "commit", "-qam", "side change");
    git(other, "checkout", "-q", "main");
    writeFileSync(join(other, "README.md"), "main\n");
    git(other, "commit", "-qam", "main change");
    expect(() => git(other, "merge", "side")).toThrow();
    const s = await get("status", { repo: other });
    expect(s.body).toMatchObject({ operation: "merge", conflicted: ["README.md"] });
    const refused = await post("checkout", { repo: other, branch: "side" });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/merge/);
    expect((await post("pull", { repo: other })).status).toBe(409);
    expect(existsSync(join(other, ".git", "MERGE_HEAD"))).toBe(true); // left as it was
    git(other, "merge", "--abort");
  });

  it("refuses paths that leave the repository and anything that could pass for an option", async () => {
    const escape = await post("stage", { repo: app, paths: ["../other-clone/README.md"] });
    expect(escape.status).toBe(400);
    expect(escape.body.error.code).toBe("E-VALIDATION");
    expect((await post("stage", { repo: app, paths: ["/etc/passwd"] })).status).toBe(400);
    symlinkSync(join(base), join(app, "outside-link"));
    const viaLink = await post("stage", { repo: app, paths: ["outside-link/remote.git/HEAD"] });
    expect(viaLink.status).toBe(403);
    rmSync(join(app, "outside-link"));
    // A repository outside the roots, even one that exists.
    expect((await get("status", { repo: remote })).status).toBe(403);
    expect((await get("status", { repo: "relative/path" })).status).toBe(400);
    // A file named like an option is staged as a file.
    writeFileSync(join(app, "--output=pwned"), "x\n");
    const odd = await post("stage", { repo: app, paths: ["--output=pwned"] });
    expect(odd.status).toBe(200);
    expect(odd.body.staged.map((c: any) => c.path)).toContain("--output=pwned");
    expect(existsSync(join(app, "pwned"))).toBe(false);
    expect((await get("diff", { repo: app, mode: "commits", from: "--output=/tmp/x" })).status).toBe(400);
    expect((await post("branches", { repo: app, name: "-D" })).status).toBe(400);
    expect((await post("push", { repo: app, remote: "--upload-pack=touch /tmp/x" })).status).toBe(400);
    await post("unstage", { repo: app, paths: ["--output=pwned"] });
  });

  it("is for those with git permission only", async () => {
    const stranger = await freshUser("git-stranger");
    expect((await get("status", { repo: app }, stranger.token)).status).toBe(404);
    const reader = await freshUser("git-reader");
    await api("/api/cloud/shares/save", { token: owner.token, body: { grantee_email: reader.email, instance_id: id, permissions: ["read:cloud_instance"] } });
    expect((await get("status", { repo: app }, reader.token)).status).toBe(403);
    expect((await post("commit", { repo: app, message: "x" }, reader.token)).status).toBe(403);
    const dev = await freshUser("git-dev");
    await api("/api/cloud/shares/save", { token: owner.token, body: { grantee_email: dev.email, instance_id: id, permissions: ["read:cloud_instance", "git:cloud_instance"] } });
    expect((await get("status", { repo: app }, dev.token)).status).toBe(200);
  });
});
