import { describe, expect, it } from "vitest";
import { call, errorOf, json, register, testEnv, type Session } from "../helpers.ts";
import { FakeAgent, until } from "./fake-agent.ts";
import { FILE_MAX_BYTES, type ScanFile } from "@anchorage/common";

/**
 * The file routes and the cross-instance compare, against the protocol-speaking fake agent:
 * access (every route refused to strangers and to sharees without the action), what reaches the
 * agent, how its answers and refusals come back. The real agent's side is tested in test/agent/files
 * and end to end in test/e2e/files.test.ts.
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

const hex = (n: number, len: number) => n.toString(16).padStart(len, "0");
const file = (path: string, n: number, mtime = 1000, text = true): ScanFile => ({ path, size: n, mtime_ms: mtime, mode: 0o644, sha256: hex(n, 64), md5: hex(n, 32), text });
const sha = "a".repeat(64);

const routes = (id: string, other: string) => [
  { method: "GET", path: `/api/cloud/instance/${id}/folders`, action: "read" },
  { method: "GET", path: `/api/cloud/instance/${id}/browse?path=/srv/app`, action: "read" },
  { method: "GET", path: `/api/cloud/instance/${id}/file?path=/srv/app/a.txt`, action: "read" },
  { method: "PUT", path: `/api/cloud/instance/${id}/file?path=/srv/app/a.txt`, rawBody: "new", action: "sync" },
  { method: "POST", path: `/api/cloud/instance/${id}/scan`, body: { path: "/srv/app" }, action: "sync" },
  { method: "POST", path: "/api/cloud/sync/compare-cross-instance", body: { sourceInstanceId: id, destinationInstanceId: other, sourcePath: "/srv/app", targetPath: "/srv/app" }, action: "sync" },
];

/** A fake agent whose files answer like a small real tree. */
function answerFiles(agent: FakeAgent, asked: { method: string; params: any; body: string }[] = []) {
  const record = (method: string) => (params: any, body: Uint8Array) => void asked.push({ method, params, body: new TextDecoder().decode(body) });
  agent.calls["files.folders"] = (p, b) => (record("files.folders")(p, b), { result: { roots: [{ path: "/srv/app", exists: true }] } });
  agent.calls["files.browse"] = (p, b) => (record("files.browse")(p, b), { result: { path: p.path, entries: [{ name: "a.txt", type: "file", size: 5, mtime: "2024-01-01T00:00:00.000Z", mode: 0o644 }], truncated: false } });
  agent.calls["files.read"] = (p, b) => (record("files.read")(p, b), { result: { path: p.path, size: 5, mtime: "2024-01-01T00:00:00.000Z", mode: 0o640, sha256: sha }, body: "hello" });
  agent.calls["files.write"] = (p, b) => (record("files.write")(p, b), { result: { path: p.path, size: b.length, mode: 0o644, sha256: sha, created: false, backup: "/srv/app/.anchorage-backups/a.txt.x" } });
  agent.calls["files.scan"] = (p, b) => (record("files.scan")(p, b), { result: null, body: JSON.stringify({ root: p.path, files: [file("a.txt", 1)], excluded: 0, skipped: [], hashed: 1 }) });
  return asked;
}

describe("file routes", () => {
  it("lists the roots, browses, reads bytes with their metadata as headers, and scans", async () => {
    const owner = await register();
    const agent = await online(owner);
    const asked = answerFiles(agent);
    const base = `/api/cloud/instance/${agent.instanceId}`;
    expect(await json(await call(`${base}/folders`, { token: owner.access }))).toEqual({ roots: [{ path: "/srv/app", exists: true }] });
    const listing = await call(`${base}/browse?path=${encodeURIComponent("/srv/app/sub dir")}`, { token: owner.access });
    expect(listing.status).toBe(200);
    expect((await json(listing)).entries[0]).toMatchObject({ name: "a.txt", type: "file" });
    expect(asked.find((a) => a.method === "files.browse")?.params).toEqual({ path: "/srv/app/sub dir" });

    const read = await call(`${base}/file?path=/srv/app/a.txt`, { token: owner.access });
    expect(read.status).toBe(200);
    expect(await read.text()).toBe("hello");
    expect(read.headers.get("etag")).toBe(`"${sha}"`);
    expect(read.headers.get("x-file-mode")).toBe("0640");
    expect(read.headers.get("content-type")).toBe("application/octet-stream");
    expect(read.headers.get("content-security-policy")).toContain("sandbox");

    const scan = await call(`${base}/scan`, { token: owner.access, body: { path: "/srv/app", exclude: ["*.log"], verify: true } });
    expect(scan.status).toBe(200);
    expect((await json(scan)).files).toEqual([file("a.txt", 1)]);
    expect(asked.find((a) => a.method === "files.scan")?.params).toEqual({ path: "/srv/app", exclude: ["*.log"], verify: true });
  });

  it("writes the request's bytes (larger than the API's 64 KiB JSON limit), passes If-Match on, and records it in the audit log", async () => {
    const owner = await register();
    const agent = await online(owner);
    const asked = answerFiles(agent);
    const content = "x".repeat(200 * 1024);
    const res = await call(`/api/cloud/instance/${agent.instanceId}/file?path=/srv/app/a.txt`, { method: "PUT", rawBody: content, token: owner.access, headers: { "content-type": "text/plain", "if-match": `"${sha}"` } });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ created: false, size: content.length, backup: "/srv/app/.anchorage-backups/a.txt.x" });
    const write = asked.find((a) => a.method === "files.write")!;
    expect(write.params).toEqual({ path: "/srv/app/a.txt", size: content.length, if_match: sha, create_only: false });
    expect(write.body).toBe(content);
    const audited = await testEnv.DB.prepare("SELECT actor_id, detail FROM audit_log WHERE action = 'cloud.file_write' AND subject_id = ?").bind(agent.instanceId).first<{ actor_id: string; detail: string }>();
    expect(audited?.actor_id).toBe(owner.userId);
    expect(JSON.parse(audited!.detail)).toEqual({ path: "/srv/app/a.txt", size: content.length, created: false });
  });

  it("refuses bad input before anything reaches the agent", async () => {
    const owner = await register();
    const agent = await online(owner);
    const asked = answerFiles(agent);
    const base = `/api/cloud/instance/${agent.instanceId}`;
    for (const path of ["relative/a.txt", "/srv/app/../../etc/passwd", "", "/srv/app/a\0b"]) {
      for (const [method, route] of [["GET", "browse"], ["GET", "file"], ["PUT", "file"]] as const) {
        const res = await call(`${base}/${route}?path=${encodeURIComponent(path)}`, { method, token: owner.access, rawBody: method === "PUT" ? "x" : undefined });
        expect(res.status, `${method} ${route} ${JSON.stringify(path)}`).toBe(400);
        expect(errorOf(await json(res)).code).toBe("E-VALIDATION");
      }
    }
    expect((await call(`${base}/scan`, { token: owner.access, body: { path: "/srv/app", exclude: [""] } })).status).toBe(400);
    expect((await call(`${base}/scan`, { token: owner.access, body: { path: "/srv/app", unknown: 1 } })).status).toBe(400);
    expect((await call(`${base}/file?path=/srv/a`, { method: "PUT", rawBody: "x", token: owner.access, headers: { "if-match": "W/\"weak\"" } })).status).toBe(400);
    // Over the cap: 413, unread, before the agent is asked.
    const big = await call(`${base}/file?path=/srv/app/big`, { method: "PUT", rawBody: "x".repeat(FILE_MAX_BYTES + 1), token: owner.access });
    expect(big.status).toBe(413);
    expect(errorOf(await json(big)).code).toBe("E-PAYLOAD-TOO-LARGE");
    expect(asked).toEqual([]);
  });

  it("passes the agent's refusals on with their status, and refuses malformed answers", async () => {
    const owner = await register();
    const agent = await online(owner);
    const base = `/api/cloud/instance/${agent.instanceId}`;
    const refuse = (code: string, message: string) => () => {
      throw Object.assign(new Error(message), { code });
    };
    agent.calls["files.read"] = refuse("E-PAYLOAD-TOO-LARGE", "/srv/app/big is 5000000 bytes; a read returns at most 1048576 bytes");
    const tooBig = await call(`${base}/file?path=/srv/app/big`, { token: owner.access });
    expect(tooBig.status).toBe(413);
    expect(errorOf(await json(tooBig)).message).toMatch(/at most 1048576/);
    agent.calls["files.browse"] = refuse("E-AUTH-FORBID", "/etc is outside the project roots");
    expect((await call(`${base}/browse?path=/etc`, { token: owner.access })).status).toBe(403);
    agent.calls["files.write"] = refuse("E-PRECONDITION", "changed since it was read");
    expect((await call(`${base}/file?path=/srv/app/a`, { method: "PUT", rawBody: "x", token: owner.access })).status).toBe(412);
    agent.calls["files.folders"] = refuse("E-AUTH-UNAUTH", "not the agent's to say");
    expect((await call(`${base}/folders`, { token: owner.access })).status).toBe(500);
    agent.calls["files.folders"] = () => ({ result: { nonsense: true } });
    expect((await call(`${base}/folders`, { token: owner.access })).status).toBe(500);
    agent.calls["files.scan"] = () => ({ result: null, body: "{not json" });
    expect((await call(`${base}/scan`, { token: owner.access, body: { path: "/srv/app" } })).status).toBe(500);
  });

  it("answers 503 when the instance is offline, and when its agent drops mid-call", async () => {
    const owner = await register();
    const offline = await FakeAgent.register(owner);
    const res = await call(`/api/cloud/instance/${offline.instanceId}/folders`, { token: owner.access });
    expect(res.status).toBe(503);
    expect(errorOf(await json(res)).code).toBe("E-INSTANCE-OFFLINE");

    const agent = await online(owner);
    agent.calls["files.scan"] = () => new Promise(() => agent.ws!.close(1000, "gone")); // never answers
    const dropped = await call(`/api/cloud/instance/${agent.instanceId}/scan`, { token: owner.access, body: { path: "/srv/app" } });
    expect(dropped.status).toBe(503);
  });
});

describe("file routes across tenants", () => {
  it("answer 401 without credentials and 404 to a stranger, on every route", async () => {
    const owner = await register();
    const stranger = await register();
    const a = await online(owner);
    const b = await online(owner);
    const asked = answerFiles(a);
    for (const r of routes(a.instanceId, b.instanceId)) {
      expect((await call(r.path, { method: r.method, body: r.body, rawBody: r.rawBody })).status, `${r.method} ${r.path}`).toBe(401);
      const res = await call(r.path, { method: r.method, body: r.body, rawBody: r.rawBody, token: stranger.access });
      expect(res.status, `${r.method} ${r.path}`).toBe(404);
    }
    // A stranger may not compare their own instance with someone else's either way round.
    const mine = await online(stranger);
    for (const [src, dst] of [[mine.instanceId, a.instanceId], [a.instanceId, mine.instanceId]]) {
      const res = await call("/api/cloud/sync/compare-cross-instance", { token: stranger.access, body: { sourceInstanceId: src, destinationInstanceId: dst, sourcePath: "/srv/app", targetPath: "/srv/app" } });
      expect(res.status).toBe(404);
    }
    expect(asked).toEqual([]);
  });

  it("give a read-only sharee folders, browse and read, and 403 on write, scan and compare", async () => {
    const owner = await register();
    const sharee = await register();
    const a = await online(owner);
    const b = await online(owner);
    answerFiles(a);
    await share(owner, sharee, a.instanceId, ["read:cloud_instance"]);
    await share(owner, sharee, b.instanceId, ["read:cloud_instance", "sync:cloud_instance"]);
    for (const r of routes(a.instanceId, b.instanceId)) {
      const res = await call(r.path, { method: r.method, body: r.body, rawBody: r.rawBody, token: sharee.access });
      expect(res.status, `${r.method} ${r.path}`).toBe(r.action === "read" ? 200 : 403);
    }
  });

  it("compare needs sync: on both instances", async () => {
    const owner = await register();
    const sharee = await register();
    const a = await online(owner);
    const b = await online(owner);
    answerFiles(a);
    answerFiles(b);
    await share(owner, sharee, a.instanceId, ["read:cloud_instance", "sync:cloud_instance"]);
    await share(owner, sharee, b.instanceId, ["read:cloud_instance"]);
    const body = (src: string, dst: string) => ({ sourceInstanceId: src, destinationInstanceId: dst, sourcePath: "/srv/app", targetPath: "/srv/app" });
    expect((await call("/api/cloud/sync/compare-cross-instance", { token: sharee.access, body: body(a.instanceId, b.instanceId) })).status).toBe(403);
    expect((await call("/api/cloud/sync/compare-cross-instance", { token: sharee.access, body: body(b.instanceId, a.instanceId) })).status).toBe(403);
    await share(owner, sharee, b.instanceId, ["read:cloud_instance", "sync:cloud_instance"]);
    expect((await call("/api/cloud/sync/compare-cross-instance", { token: sharee.access, body: body(a.instanceId, b.instanceId) })).status).toBe(200);
  });
});

describe("compare across instances", () => {
  it("asks both agents for a scan and lists every path with its status", async () => {
    const owner = await register();
    const src = await online(owner, "src");
    const dst = await online(owner, "dst");
    const scans: Record<string, any> = {};
    const serve = (agent: FakeAgent, files: ScanFile[]) => {
      agent.calls["files.scan"] = (p) => {
        scans[agent.instanceId] = p;
        return { result: null, body: JSON.stringify({ root: p.path, files, excluded: 0, skipped: [], hashed: 0 }) };
      };
    };
    serve(src, [file("same.txt", 1), file("changed.txt", 2, 1000), file("conflict.txt", 3, 1000), file("new.txt", 4)]);
    serve(dst, [file("same.txt", 1), file("changed.txt", 5, 500), file("conflict.txt", 6, 2000), file("extra.txt", 7)]);
    const res = await call("/api/cloud/sync/compare-cross-instance", {
      token: owner.access,
      body: { sourceInstanceId: src.instanceId, destinationInstanceId: dst.instanceId, sourcePath: "/srv/a", targetPath: "/srv/b", options: { exclude: ["dist/**"], delete: false } },
    });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.files.map((f: any) => [f.path, f.status])).toEqual([
      ["changed.txt", "different"],
      ["conflict.txt", "destination_newer"],
      ["extra.txt", "only_destination"],
      ["new.txt", "new"],
      ["same.txt", "identical"],
    ]);
    expect(body.summary).toEqual({ identical: 1, different: 1, new: 1, only_destination: 1, destination_newer: 1 });
    expect(body.source).toEqual({ instance_id: src.instanceId, path: "/srv/a", files: 4 });
    expect(body.destination).toEqual({ instance_id: dst.instanceId, path: "/srv/b", files: 4 });
    expect(scans[src.instanceId]).toEqual({ path: "/srv/a", exclude: ["dist/**"], verify: false });
    expect(scans[dst.instanceId]).toEqual({ path: "/srv/b", exclude: ["dist/**"], verify: false });
  });

  it("compares two folders on the same instance", async () => {
    const owner = await register();
    const agent = await online(owner);
    agent.calls["files.scan"] = (p) => ({ result: null, body: JSON.stringify({ root: p.path, files: p.path === "/srv/a" ? [file("x", 1)] : [], excluded: 0, skipped: [], hashed: 0 }) });
    const res = await call("/api/cloud/sync/compare-cross-instance", { token: owner.access, body: { sourceInstanceId: agent.instanceId, destinationInstanceId: agent.instanceId, sourcePath: "/srv/a", targetPath: "/srv/b" } });
    expect(res.status).toBe(200);
    expect((await json(res)).files).toEqual([expect.objectContaining({ path: "x", status: "new" })]);
  });

  it("fails, naming the side, when one tree cannot be scanned: a missing folder is never an empty one", async () => {
    const owner = await register();
    const src = await online(owner);
    const dst = await FakeAgent.register(owner); // never connects
    answerFiles(src);
    const offline = await call("/api/cloud/sync/compare-cross-instance", { token: owner.access, body: { sourceInstanceId: src.instanceId, destinationInstanceId: dst.instanceId, sourcePath: "/srv/app", targetPath: "/srv/app" } });
    expect(offline.status).toBe(503);
    expect(errorOf(await json(offline)).message).toMatch(new RegExp(`^destination ${dst.instanceId}: `));
    src.calls["files.scan"] = () => {
      throw Object.assign(new Error("/srv/gone: no such folder"), { code: "E-NOT-FOUND" });
    };
    const other = await online(owner);
    answerFiles(other);
    const missing = await call("/api/cloud/sync/compare-cross-instance", { token: owner.access, body: { sourceInstanceId: src.instanceId, destinationInstanceId: other.instanceId, sourcePath: "/srv/gone", targetPath: "/srv/app" } });
    expect(missing.status).toBe(404);
    expect(errorOf(await json(missing)).message).toMatch(/^source .*no such folder/);
  });
});
