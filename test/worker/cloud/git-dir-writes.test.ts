import { describe, expect, it } from "vitest";
import { call, errorOf, json, register, type Session } from "../helpers.ts";
import { FakeAgent, until } from "./fake-agent.ts";
import { isGitDirName, touchesGitDir } from "../../../core/files/git-dir-writes.ts";

/**
 * Security issue 19: writing under .git is running code (core.fsmonitor, hooks), so it needs
 * `command:`; git for someone without `command:` is untrusted (the agent then runs no program the
 * repository configures). Real git against these rules: test/agent/git/exec-keys.test.ts and
 * test/e2e/git-exec-keys.test.ts.
 */
async function online(owner: Session, name = "box") {
  const agent = await FakeAgent.register(owner, name);
  expect((await agent.connect()).status).toBe(101);
  await until(async () => (await json(await call(`/api/cloud/instance/${agent.instanceId}`, { token: owner.access }))).status === "online");
  return agent;
}

async function share(owner: Session, grantee: Session, instanceId: string, permissions: string[]) {
  const res = await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: grantee.email, instance_id: instanceId, permissions } });
  expect(res.status).toBe(200);
}

const SHAREE = ["read:cloud_instance", "sync:cloud_instance", "git:cloud_instance"];
const sha = "a".repeat(64);

function recordWrites(agent: FakeAgent) {
  const written: string[] = [];
  agent.calls["files.write"] = (p, b) => (written.push(p.path), { result: { path: p.path, size: b.length, mode: 0o644, sha256: sha, created: true, backup: null } });
  return written;
}

const put = (agent: FakeAgent, s: Session, path: string) =>
  call(`/api/cloud/instance/${agent.instanceId}/file?path=${encodeURIComponent(path)}`, { method: "PUT", rawBody: '[core]\n\tfsmonitor = "id > pwned.txt; echo"\n', token: s.access });

describe("writes under .git need command:", () => {
  it("reads .git in any spelling a file system takes for it", () => {
    for (const name of [".git", ".GIT", ".Git", ".git.", ".git ", "GIT~1", ".g\u200cit"]) expect(isGitDirName(name), JSON.stringify(name)).toBe(true);
    for (const name of [".gitignore", ".github", "git", ".gitattributes", "x.git"]) expect(isGitDirName(name), name).toBe(false);
    expect(touchesGitDir("/srv/app/repo/.git/config")).toBe(true);
    expect(touchesGitDir("/srv/app/repo/./.git//hooks/pre-commit")).toBe(true);
    expect(touchesGitDir("/srv/app/sub/.git")).toBe(true);
    expect(touchesGitDir("/srv/app/.gitignore")).toBe(false);
  });

  it("refuses a sharee with read, sync and git a PUT under .git (403, nothing reaches the agent), and lets them write elsewhere", async () => {
    const owner = await register();
    const sharee = await register();
    const agent = await online(owner);
    const written = recordWrites(agent);
    await share(owner, sharee, agent.instanceId, SHAREE);

    for (const path of ["/srv/app/repo/.git/config", "/srv/app/repo/.GIT/hooks/pre-commit", "/srv/app/repo/./.git/config", "/srv/app//repo/.git/info/attributes", "/srv/app/wt/.git"]) {
      const res = await put(agent, sharee, path);
      expect(res.status, path).toBe(403);
      const err = errorOf(await json(res));
      expect(err.code).toBe("E-AUTH-FORBID");
      expect(err.message).toContain("command:cloud_instance");
    }
    expect(written).toEqual([]);

    expect((await put(agent, sharee, "/srv/app/repo/.gitignore")).status).toBe(201);
    expect(written).toEqual(["/srv/app/repo/.gitignore"]);
  });

  it("lets the owner, and a sharee with command, write under .git", async () => {
    const owner = await register();
    const sharee = await register();
    const agent = await online(owner);
    const written = recordWrites(agent);
    await share(owner, sharee, agent.instanceId, [...SHAREE, "command:cloud_instance"]);
    expect((await put(agent, owner, "/srv/app/repo/.git/config")).status).toBe(201);
    expect((await put(agent, sharee, "/srv/app/repo/.git/hooks/pre-commit")).status).toBe(201);
    expect(written).toEqual(["/srv/app/repo/.git/config", "/srv/app/repo/.git/hooks/pre-commit"]);
  });
});

describe("git is trusted only for someone who may run commands", () => {
  it("sends trusted=false for a sharee with git but not command, trusted=true for the owner and a sharee with command", async () => {
    const owner = await register();
    const sharee = await register();
    const commander = await register();
    const agent = await online(owner);
    const asked: any[] = [];
    agent.handlers.git = (p) => (asked.push(p), { repo: p.repo, branch: "main", head: null, upstream: null, ahead: 0, behind: 0, operation: null, staged: [], unstaged: [], untracked: [], conflicted: [] });
    await share(owner, sharee, agent.instanceId, SHAREE);
    await share(owner, commander, agent.instanceId, [...SHAREE, "command:cloud_instance"]);
    const status = (s: Session, extra = "") => call(`/api/cloud/instance/${agent.instanceId}/git/status?repo=/srv/app/repo${extra}`, { token: s.access });

    expect((await status(sharee)).status).toBe(200);
    // A query cannot make itself trusted.
    expect((await status(sharee, "&trusted=true")).status).toBe(200);
    expect((await status(owner)).status).toBe(200);
    expect((await status(commander)).status).toBe(200);
    expect(asked.map((p) => p.trusted)).toEqual([false, false, true, true]);

    // Nor can a body: the REST bodies are strict.
    const res = await call(`/api/cloud/instance/${agent.instanceId}/git/stage`, { token: sharee.access, body: { repo: "/srv/app/repo", paths: ["a"], trusted: true } });
    expect(res.status).toBe(400);
    expect(asked.length).toBe(4);
  });
});

describe("syncs into .git need command: on the destination", () => {
  it("leaves .git out of both scans for a sharee without command, and refuses a target under .git", async () => {
    const owner = await register();
    const sharee = await register();
    const a = await online(owner, "src");
    const b = await online(owner, "dst");
    const scans: { side: string; exclude: string[] }[] = [];
    const scan = (side: string) => (p: any) => (scans.push({ side, exclude: p.exclude }), { result: null, body: JSON.stringify({ root: p.path, files: [], excluded: 0, skipped: [], hashed: 0 }) });
    a.calls["files.scan"] = scan("source");
    b.calls["files.scan"] = scan("destination");
    b.calls["files.stage.clear"] = () => ({ result: null });
    for (const id of [a.instanceId, b.instanceId]) await share(owner, sharee, id, SHAREE);
    const body = (targetPath: string) => ({ sourceInstanceId: a.instanceId, destinationInstanceId: b.instanceId, sourcePath: "/srv/app", targetPath, options: { exclude: ["*.log"] } });

    const into = await call("/api/cloud/sync/cross-instance", { token: sharee.access, body: body("/srv/app/repo/.git") });
    expect(into.status).toBe(403);
    expect(errorOf(await json(into)).code).toBe("E-AUTH-FORBID");
    expect(scans).toEqual([]);

    // The source has no files: the sync is refused as from an empty root, after both scans were asked.
    await call("/api/cloud/sync/cross-instance", { token: sharee.access, body: body("/srv/app") });
    expect(scans.length).toBe(2);
    for (const s of scans) expect(s.exclude).toEqual(["*.log", ".[gG][iI][tT]", ".[gG][iI][tT]/**"]);

    scans.length = 0;
    await call("/api/cloud/sync/cross-instance", { token: owner.access, body: body("/srv/app") });
    for (const s of scans) expect(s.exclude).toEqual(["*.log"]);
  });
});
