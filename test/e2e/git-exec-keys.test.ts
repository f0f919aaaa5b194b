import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, base as baseUrl } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until } from "./agent-process.ts";

/**
 * Security issue 19 end to end: a sharee with read, sync and git (no command) must not run a
 * program through git. `npm start`, a real agent, a real repository: the sharee cannot write
 * core.fsmonitor into .git/config through the file API; the owner can (and could run it anyway),
 * but the sharee's git status then refuses the repository and the program never runs.
 */
const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", GIT_AUTHOR_NAME: "Seed", GIT_AUTHOR_EMAIL: "seed@example.test", GIT_COMMITTER_NAME: "Seed", GIT_COMMITTER_EMAIL: "seed@example.test" } });

describe("git exec keys", () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-git-exec-e2e-")));
  const root = join(base, "root");
  const repo = join(root, "repo");
  const marker = join(base, "pwned.txt");
  const config = join(repo, ".git", "config");
  let owner: TestUser;
  let sharee: TestUser;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let id = "";

  const put = (token: string, path: string, body: string) =>
    fetch(`${baseUrl()}/api/cloud/instance/${id}/file?path=${encodeURIComponent(path)}`, { method: "PUT", headers: { authorization: `Bearer ${token}` }, body });
  const status = (token: string) => api(`/api/cloud/instance/${id}/git/status?repo=${encodeURIComponent(repo)}`, { token });
  const poisoned = () => `${readFileSync(config, "utf8")}[core]\n\tfsmonitor = "touch '${marker}'; echo"\n`;

  beforeAll(async () => {
    mkdirSync(root);
    git(root, "init", "-q", "-b", "main", repo);
    writeFileSync(join(repo, "README.md"), "hello\n");
    git(repo, "add", "README.md");
    git(repo, "commit", "-q", "-m", "first");
    owner = await freshUser("git-exec-owner");
    sharee = await freshUser("git-exec-sharee");
    agent = await startAgent(owner.token, `name: git-exec-box\nroots: [${JSON.stringify(root)}]\n`);
    id = agent.instanceId;
    await until(async () => (await api(`/api/cloud/instance/${id}`, { token: owner.token })).body.status === "online", 20_000);
    const shared = await api("/api/cloud/shares/save", {
      token: owner.token,
      body: { grantee_email: sharee.email, instance_id: id, permissions: ["read:cloud_instance", "sync:cloud_instance", "git:cloud_instance"] },
    });
    expect(shared.status).toBe(200);
  });
  afterAll(() => {
    agent?.run.child.kill("SIGKILL");
    rmSync(base, { recursive: true, force: true });
  });

  it("the sharee may use git on a clean repository (the share works)", async () => {
    const s = await status(sharee.token);
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({ branch: "main", staged: [] });
  });

  it("refuses the sharee's write of core.fsmonitor into .git/config, and writes nothing", async () => {
    const before = readFileSync(config, "utf8");
    for (const path of [config, join(repo, ".GIT", "config"), join(repo, ".git", "hooks", "pre-commit")]) {
      const res = await put(sharee.token, path, poisoned());
      expect(res.status, path).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("E-AUTH-FORBID");
    }
    expect(readFileSync(config, "utf8")).toBe(before);
    expect(existsSync(join(repo, ".git", "hooks", "pre-commit"))).toBe(false);
    // Elsewhere in the repository the sharee writes as before.
    expect((await put(sharee.token, join(repo, "notes.txt"), "notes\n")).status).toBe(201);
  });

  it("lets the owner write it; the sharee's git status then refuses the repository and nothing runs", async () => {
    const res = await put(owner.token, config, poisoned());
    expect(res.status).toBe(200);
    expect(readFileSync(config, "utf8")).toContain("fsmonitor");

    const s = await status(sharee.token);
    expect(s.status).toBe(403);
    expect(s.body.error.code).toBe("E-AUTH-FORBID");
    expect(s.body.error.message).toContain("core.fsmonitor");
    for (const op of ["log", "diff", "branches"]) {
      expect((await api(`/api/cloud/instance/${id}/git/${op}?repo=${encodeURIComponent(repo)}`, { token: sharee.token })).status, op).toBe(403);
    }
    expect(existsSync(marker)).toBe(false);

    // The owner may run commands anyway: their git is trusted and runs what they configured.
    expect((await status(owner.token)).status).toBe(200);
    expect(existsSync(marker)).toBe(true);
  });
});
