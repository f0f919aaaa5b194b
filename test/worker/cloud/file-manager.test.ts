import { describe, expect, it } from "vitest";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../../src/index.ts";
import { call, errorOf, json, register, testEnv, type Session } from "../helpers.ts";
import { FakeAgent, until } from "./fake-agent.ts";
import { FILE_MAX_BYTES } from "@anchorage/common";

/**
 * The file manager's routes (issue #21): make a folder, rename or move, delete into the backup
 * folder, and a download named for its file. Against the protocol-speaking fake agent: what reaches
 * the agent, access (strangers, sharees without sync:, .git without command:), validation, the
 * audit entries, and the agent's refusals passed on. The real agent's side: test/agent/files/
 * file-manager.test.ts, and end to end test/e2e/files.test.ts.
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

type Asked = { method: string; params: any }[];
const backupOf = (path: string) => path.replace("/srv/app/", "/srv/app/.anchorage-backups/") + ".2026-01-02T03-04-05.678Z";

/** A fake agent that answers the file manager's calls the way the real one does when all goes well. */
function answerChanges(agent: FakeAgent, asked: Asked = []) {
  agent.calls["files.mkdir"] = (p) => (asked.push({ method: "files.mkdir", params: p }), { result: { path: p.path } });
  agent.calls["files.rename"] = (p) => (asked.push({ method: "files.rename", params: p }), { result: { from: p.from, to: p.to } });
  agent.calls["files.delete"] = (p) => (asked.push({ method: "files.delete", params: p }), { result: { path: p.path, type: "directory", backup: backupOf(p.path) } });
  return asked;
}

const routes = (id: string) => [
  { method: "POST", path: `/api/cloud/instance/${id}/mkdir`, body: { path: "/srv/app/docs" } },
  { method: "POST", path: `/api/cloud/instance/${id}/rename`, body: { from: "/srv/app/a.txt", to: "/srv/app/b.txt" } },
  { method: "DELETE", path: `/api/cloud/instance/${id}/file?path=${encodeURIComponent("/srv/app/old")}` },
];

const audited = (instanceId: string, action: string) =>
  testEnv.DB.prepare("SELECT actor_id, detail FROM audit_log WHERE action = ? AND subject_id = ? ORDER BY id").bind(action, instanceId).all<{ actor_id: string; detail: string }>().then((r) => r.results.map((row) => ({ actor: row.actor_id, detail: JSON.parse(row.detail) })));

describe("file manager routes", () => {
  it("make a folder (201), rename (200) and delete into the backup folder (200, naming it), each audited", async () => {
    const owner = await register();
    const agent = await online(owner);
    const asked = answerChanges(agent);
    const base = `/api/cloud/instance/${agent.instanceId}`;

    const made = await call(`${base}/mkdir`, { token: owner.access, body: { path: "/srv/app/new folder" } });
    expect(made.status).toBe(201);
    expect(await json(made)).toEqual({ path: "/srv/app/new folder" });
    expect((await call(`${base}/mkdir`, { token: owner.access, body: { path: "/srv/app/a/b/c", parents: true } })).status).toBe(201);

    const moved = await call(`${base}/rename`, { token: owner.access, body: { from: "/srv/app/new folder", to: "/srv/app/docs" } });
    expect(moved.status).toBe(200);
    expect(await json(moved)).toEqual({ from: "/srv/app/new folder", to: "/srv/app/docs" });

    const deleted = await call(`${base}/file?path=${encodeURIComponent("/srv/app/docs")}`, { method: "DELETE", token: owner.access });
    expect(deleted.status).toBe(200);
    expect(await json(deleted)).toEqual({ path: "/srv/app/docs", type: "directory", backup: backupOf("/srv/app/docs") });

    expect(asked).toEqual([
      { method: "files.mkdir", params: { path: "/srv/app/new folder", parents: false } },
      { method: "files.mkdir", params: { path: "/srv/app/a/b/c", parents: true } },
      { method: "files.rename", params: { from: "/srv/app/new folder", to: "/srv/app/docs" } },
      { method: "files.delete", params: { path: "/srv/app/docs" } },
    ]);
    expect(await audited(agent.instanceId, "cloud.file_mkdir")).toEqual([
      { actor: owner.userId, detail: { path: "/srv/app/new folder" } },
      { actor: owner.userId, detail: { path: "/srv/app/a/b/c" } },
    ]);
    expect(await audited(agent.instanceId, "cloud.file_rename")).toEqual([{ actor: owner.userId, detail: { from: "/srv/app/new folder", to: "/srv/app/docs" } }]);
    expect(await audited(agent.instanceId, "cloud.file_delete")).toEqual([{ actor: owner.userId, detail: { path: "/srv/app/docs", type: "directory", backup: backupOf("/srv/app/docs") } }]);
  });

  it("refuse bad input with 400 before anything reaches the agent, and audit nothing", async () => {
    const owner = await register();
    const agent = await online(owner);
    const asked = answerChanges(agent);
    const base = `/api/cloud/instance/${agent.instanceId}`;
    const bad: [string, string, unknown][] = [
      ["POST", "mkdir", {}],
      ["POST", "mkdir", { path: "relative/dir" }],
      ["POST", "mkdir", { path: "/srv/app/../etc" }],
      ["POST", "mkdir", { path: "/srv/app/x", mode: 511 }],
      ["POST", "mkdir", { path: "/srv/app/x", parents: "yes" }],
      ["POST", "rename", { from: "/srv/app/a" }],
      ["POST", "rename", { from: "/srv/app/a", to: "b" }],
      ["POST", "rename", { from: "/srv/app/a\0", to: "/srv/app/b" }],
      ["POST", "rename", { from: "/srv/app/a", to: "/srv/app/../../b" }],
    ];
    for (const [method, route, body] of bad) {
      const res = await call(`${base}/${route}`, { method, token: owner.access, body });
      expect(res.status, `${route} ${JSON.stringify(body)}`).toBe(400);
      expect(errorOf(await json(res)).code).toBe("E-VALIDATION");
    }
    for (const query of ["", "?path=", `?path=${encodeURIComponent("relative")}`, `?path=${encodeURIComponent("/srv/app/../x")}`]) {
      const res = await call(`${base}/file${query}`, { method: "DELETE", token: owner.access });
      expect(res.status, query).toBe(400);
      expect(errorOf(await json(res)).code).toBe("E-VALIDATION");
    }
    expect((await call(`${base}/mkdir`, { token: owner.access, rawBody: "{not json" })).status).toBe(400);
    expect(asked).toEqual([]);
    for (const action of ["cloud.file_mkdir", "cloud.file_rename", "cloud.file_delete"]) expect(await audited(agent.instanceId, action)).toEqual([]);
  });

  it("pass the agent's refusals on with their status (409 taken, 404 missing, 403 outside the roots), auditing nothing", async () => {
    const owner = await register();
    const agent = await online(owner);
    const base = `/api/cloud/instance/${agent.instanceId}`;
    const refuse = (code: string, message: string) => () => {
      throw Object.assign(new Error(message), { code });
    };
    agent.calls["files.mkdir"] = refuse("E-CONFLICT", "/srv/app/docs already exists");
    const taken = await call(`${base}/mkdir`, { token: owner.access, body: { path: "/srv/app/docs" } });
    expect(taken.status).toBe(409);
    expect(errorOf(await json(taken))).toMatchObject({ code: "E-CONFLICT", message: "/srv/app/docs already exists" });
    agent.calls["files.mkdir"] = refuse("E-NOT-FOUND", "/srv/app/a: no such folder (pass parents: true to create it too)");
    expect((await call(`${base}/mkdir`, { token: owner.access, body: { path: "/srv/app/a/b" } })).status).toBe(404);
    agent.calls["files.rename"] = refuse("E-CONFLICT", "/srv/app/b.txt already exists: nothing is replaced by a move (delete it first)");
    expect((await call(`${base}/rename`, { token: owner.access, body: { from: "/srv/app/a.txt", to: "/srv/app/b.txt" } })).status).toBe(409);
    agent.calls["files.rename"] = refuse("E-VALIDATION", "/srv/app is a project root, or holds one: a root is not moved");
    expect((await call(`${base}/rename`, { token: owner.access, body: { from: "/srv/app", to: "/srv/other" } })).status).toBe(400);
    agent.calls["files.delete"] = refuse("E-AUTH-FORBID", "/etc/passwd is outside the project roots");
    expect((await call(`${base}/file?path=/etc/passwd`, { method: "DELETE", token: owner.access })).status).toBe(403);
    // An answer that is not the contract's is the agent's fault, never passed on.
    agent.calls["files.delete"] = () => ({ result: { path: "/srv/app/x" } });
    expect((await call(`${base}/file?path=/srv/app/x`, { method: "DELETE", token: owner.access })).status).toBe(500);
    for (const action of ["cloud.file_mkdir", "cloud.file_rename", "cloud.file_delete"]) expect(await audited(agent.instanceId, action)).toEqual([]);
  });

  it("answer 401 without credentials, 404 to a stranger, 403 to a sharee without sync:, and work for one with it", async () => {
    const owner = await register();
    const stranger = await register();
    const reader = await register();
    const syncer = await register();
    const agent = await online(owner);
    const asked = answerChanges(agent);
    await share(owner, reader, agent.instanceId, ["read:cloud_instance", "git:cloud_instance", "terminal:cloud_instance"]);
    await share(owner, syncer, agent.instanceId, ["read:cloud_instance", "sync:cloud_instance"]);
    for (const r of routes(agent.instanceId)) {
      const label = `${r.method} ${r.path}`;
      expect((await call(r.path, { method: r.method, body: r.body })).status, label).toBe(401);
      const hidden = await call(r.path, { method: r.method, body: r.body, token: stranger.access });
      expect(hidden.status, label).toBe(404);
      expect(errorOf(await json(hidden)).code).toBe("E-NOT-FOUND");
      const refused = await call(r.path, { method: r.method, body: r.body, token: reader.access });
      expect(refused.status, label).toBe(403);
      expect(errorOf(await json(refused)).code).toBe("E-AUTH-FORBID");
    }
    expect(asked).toEqual([]);
    for (const r of routes(agent.instanceId)) {
      const res = await call(r.path, { method: r.method, body: r.body, token: syncer.access });
      expect(res.status, `${r.method} ${r.path}`).toBe(r.path.endsWith("mkdir") ? 201 : 200);
    }
    expect(asked.map((a) => a.method)).toEqual(["files.mkdir", "files.rename", "files.delete"]);
    expect((await audited(agent.instanceId, "cloud.file_delete"))[0]!.actor).toBe(syncer.userId);
  });

  it("refuse a folder, a move or a delete under .git without command: (either end of a move), and allow it with command:", async () => {
    const owner = await register();
    const sharee = await register();
    const trusted = await register();
    const agent = await online(owner);
    const asked = answerChanges(agent);
    await share(owner, sharee, agent.instanceId, ["read:cloud_instance", "sync:cloud_instance", "git:cloud_instance"]);
    await share(owner, trusted, agent.instanceId, ["read:cloud_instance", "sync:cloud_instance", "command:cloud_instance"]);
    const base = `/api/cloud/instance/${agent.instanceId}`;
    const gitWrites = [
      { method: "POST", path: `${base}/mkdir`, body: { path: "/srv/app/repo/.git/hooks" } },
      { method: "POST", path: `${base}/mkdir`, body: { path: "/srv/app/repo/.GIT", parents: true } },
      { method: "POST", path: `${base}/rename`, body: { from: "/srv/app/payload", to: "/srv/app/repo/.git/hooks/pre-commit" } },
      { method: "POST", path: `${base}/rename`, body: { from: "/srv/app/hooks-dir", to: "/srv/app/repo/.git" } },
      { method: "POST", path: `${base}/rename`, body: { from: "/srv/app/repo/.git/config", to: "/srv/app/config.bak" } },
      { method: "DELETE", path: `${base}/file?path=${encodeURIComponent("/srv/app/repo/.git/hooks/pre-commit")}` },
      { method: "DELETE", path: `${base}/file?path=${encodeURIComponent("/srv/app/repo/./.git")}` },
    ];
    for (const r of gitWrites) {
      const res = await call(r.path, { method: r.method, body: r.body, token: sharee.access });
      expect(res.status, `${r.method} ${r.path} ${JSON.stringify(r.body)}`).toBe(403);
      expect(errorOf(await json(res)).message).toContain("command:cloud_instance");
    }
    expect(asked).toEqual([]);
    // Beside .git (a .gitignore, a repository folder as a whole) is not under it.
    expect((await call(`${base}/rename`, { token: sharee.access, body: { from: "/srv/app/repo/.gitignore", to: "/srv/app/repo/.gitignore.old" } })).status).toBe(200);
    expect((await call(`${base}/file?path=${encodeURIComponent("/srv/app/repo")}`, { method: "DELETE", token: sharee.access })).status).toBe(200);
    asked.length = 0;
    for (const s of [trusted, owner]) {
      for (const r of gitWrites) expect((await call(r.path, { method: r.method, body: r.body, token: s.access })).status, `${r.method} ${r.path}`).toBeLessThan(300);
    }
    expect(asked).toHaveLength(gitWrites.length * 2);
  });

  it("are described in /openapi.json from the shared schemas", async () => {
    const doc = await json(await call("/openapi.json"));
    const mkdir = doc.paths["/api/cloud/instance/{id}/mkdir"]?.post;
    expect(mkdir.responses).toHaveProperty("201");
    expect(mkdir.responses).toHaveProperty("409");
    const mkdirBody = mkdir.requestBody.content["application/json"].schema;
    expect(mkdirBody.required).toEqual(["path"]);
    expect(Object.keys(mkdirBody.properties).sort()).toEqual(["parents", "path"]);
    const rename = doc.paths["/api/cloud/instance/{id}/rename"]?.post;
    expect(rename.requestBody.content["application/json"].schema.required).toEqual(["from", "to"]);
    expect(Object.keys(rename.responses["200"].content["application/json"].schema.properties).sort()).toEqual(["from", "to"]);
    const del = doc.paths["/api/cloud/instance/{id}/file"]?.delete;
    expect(del.parameters.map((p: any) => [p.in, p.name])).toEqual(expect.arrayContaining([["path", "id"], ["query", "path"]]));
    expect(Object.keys(del.responses["200"].content["application/json"].schema.properties).sort()).toEqual(["backup", "path", "type"]);
    // The same path keeps its GET and PUT.
    expect(Object.keys(doc.paths["/api/cloud/instance/{id}/file"]).sort()).toEqual(["delete", "get", "put"]);
  });
});

describe("downloads and uploads", () => {
  it("name the file in Content-Disposition (RFC 6266 filename*, with an ASCII stand-in)", async () => {
    const owner = await register();
    const agent = await online(owner);
    agent.calls["files.read"] = (p) => ({ result: { path: p.path, size: 5, mtime: "2024-01-01T00:00:00.000Z", mode: 0o644, sha256: "a".repeat(64) }, body: "hello" });
    const disposition = async (path: string) =>
      (await call(`/api/cloud/instance/${agent.instanceId}/file?path=${encodeURIComponent(path)}`, { token: owner.access })).headers.get("content-disposition");
    expect(await disposition("/srv/app/notes.txt")).toBe(`attachment; filename="notes.txt"; filename*=UTF-8''notes.txt`);
    expect(await disposition("/srv/app/sub/Résumé (final)*.pdf")).toBe(`attachment; filename="R_sum_ (final)*.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%28final%29%2A.pdf`);
    expect(await disposition('/srv/app/say "hi"; x=1%.txt')).toBe(`attachment; filename="say _hi_; x=1_.txt"; filename*=UTF-8''say%20%22hi%22%3B%20x%3D1%25.txt`);
    expect(await disposition("/srv/app/日本語.md")).toBe(`attachment; filename="___.md"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E.md`);
    // What a browser reads back from filename* is the name itself.
    const star = (await disposition("/srv/app/sub/Résumé (final)*.pdf"))!.split("filename*=UTF-8''")[1]!;
    expect(decodeURIComponent(star)).toBe("Résumé (final)*.pdf");
  });

  it("answer an upload over 1 MiB with 413 in the JSON error shape, naming the limit, declared or streamed", async () => {
    const owner = await register();
    const agent = await online(owner);
    const asked: string[] = [];
    agent.calls["files.write"] = (p) => (asked.push(p.path), { result: { path: p.path, size: 0, mode: 0o644, sha256: "a".repeat(64), created: true, backup: null } });
    const declared = await call(`/api/cloud/instance/${agent.instanceId}/file?path=/srv/app/big.bin`, { method: "PUT", rawBody: "x".repeat(FILE_MAX_BYTES + 1), token: owner.access });
    expect(declared.status).toBe(413);
    expect(declared.headers.get("content-type")).toMatch(/^application\/json/);
    const e = errorOf(await json(declared));
    expect(e.code).toBe("E-PAYLOAD-TOO-LARGE");
    expect(e.message).toContain("1 MiB");
    expect(e.message).toContain(String(FILE_MAX_BYTES));
    // Without a Content-Length (a streamed body): cut where it crosses the limit, the same answer.
    const chunk = new Uint8Array(256 * 1024);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > FILE_MAX_BYTES) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const ctx = createExecutionContext();
    const streamed = await worker.fetch(
      new Request(`http://localhost:8787/api/cloud/instance/${agent.instanceId}/file?path=/srv/app/big.bin`, { method: "PUT", body: stream, headers: { authorization: `Bearer ${owner.access}`, "cf-connecting-ip": "198.51.100.7" }, duplex: "half" } as RequestInit) as Request<unknown, IncomingRequestCfProperties>,
      testEnv,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(streamed.status).toBe(413);
    expect(errorOf(await json(streamed)).message).toContain("1 MiB");
    expect(asked).toEqual([]);
    // At the limit exactly: written.
    expect((await call(`/api/cloud/instance/${agent.instanceId}/file?path=/srv/app/ok.bin`, { method: "PUT", rawBody: "x".repeat(FILE_MAX_BYTES), token: owner.access })).status).toBe(201);
    expect(asked).toEqual(["/srv/app/ok.bin"]);
  });
});
