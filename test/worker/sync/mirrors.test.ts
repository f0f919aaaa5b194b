import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorOf, json, register, testEnv, type Session } from "../helpers.ts";
import { FakeAgent, tick, until } from "../cloud/fake-agent.ts";
import { openEvents } from "../cloud/event-socket.ts";

/**
 * Push and pull mirrors (`/api/cloud/mirrors/*`, `/api/cloud/pulls/*`) against protocol-speaking
 * fake agents whose folders are maps in memory: what a save refuses, who may see and touch a
 * mirror, how its state moves (a check, a sync, the agent's change report, the schedule, stale),
 * and that its source's agent is told what to watch. The real agents' watching and syncing is
 * tested end to end in test/e2e/mirrors.test.ts.
 */

type Tree = Map<string, string>;

async function sha256(s: string): Promise<string> {
  return Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s))), (b) => b.toString(16).padStart(2, "0")).join("");
}

const refusal = (code: string, message: string) => Object.assign(new Error(message), { code });

/** An agent whose only root is `root`, holding `tree` there: it scans it, refuses anything outside, and removes files on request. */
async function agentWith(owner: Session, name: string, root: string, tree: Tree) {
  const agent = await FakeAgent.register(owner, name);
  const scans: string[] = [];
  agent.calls["files.scan"] = async (p) => {
    scans.push(p.path);
    if (p.path !== root && !p.path.startsWith(`${root}/`)) throw refusal("E-AUTH-FORBID", `${p.path} is outside the project roots`);
    const files = await Promise.all(
      [...tree].map(async ([path, content]) => ({ path, size: content.length, mtime_ms: 1000, mode: 0o644, sha256: await sha256(content), md5: "0".repeat(32), text: false })),
    );
    return { result: null, body: JSON.stringify({ root: p.path, files, excluded: 0, skipped: [], hashed: 0 }) };
  };
  agent.calls["files.remove"] = (p) => {
    tree.delete(p.path.slice(root.length + 1));
    return { result: { path: p.path, backup: `${root}/.anchorage-backups/x` } };
  };
  agent.calls["files.stage.clear"] = () => ({ result: null });
  expect((await agent.connect()).status).toBe(101);
  await until(async () => (await json(await call(`/api/cloud/instance/${agent.instanceId}`, { token: owner.access }))).status === "online");
  // Heartbeats keep the object from taking the agent for dead while a test waits out a debounce.
  const beat = setInterval(() => {
    if (agent.ws?.readyState === WebSocket.OPEN) agent.heartbeat();
    else clearInterval(beat);
  }, 4_000);
  return Object.assign(agent, { scans, tree, root });
}

/** A source with a.txt, a destination with a.txt and extra.txt: identical, except for what only the destination has. */
async function pair(owner: Session) {
  const source = await agentWith(owner, "src", "/srv/a", new Map([["a.txt", "same"]]));
  const destination = await agentWith(owner, "dst", "/srv/b", new Map([["a.txt", "same"], ["extra.txt", "only here"]]));
  const body = (extra: Record<string, unknown> = {}) => ({ sourceInstanceId: source.instanceId, destinationInstanceId: destination.instanceId, sourcePath: "/srv/a", targetPath: "/srv/b", ...extra });
  return { source, destination, body };
}

async function share(owner: Session, grantee: Session, instanceId: string, permissions: string[]): Promise<string> {
  const res = await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: grantee.email, instance_id: instanceId, permissions } });
  expect(res.status).toBe(200);
  return (await json(res)).id;
}

const list = async (token: string, kind = "mirrors") => (await json(await call(`/api/cloud/${kind}/list`, { token }))).mirrors as any[];
const stub = (instanceId: string) => testEnv.INSTANCE.get(testEnv.INSTANCE.idFromName(instanceId));
const watchLists = (agent: FakeAgent) => agent.received.filter((m) => m.type === "mirror-watch").map((m) => m.watches);

/** Runs the source object's alarm now, as the schedule would when its time comes. */
async function alarmNow(instanceId: string) {
  await stub(instanceId).mirrorsChanged(); // the schedule re-reads the rows (a test moved their times)
  await runDurableObjectAlarm(stub(instanceId)); // (unless it has just fired by itself)
}

async function backdateCheck(id: string, secondsAgo: number) {
  const at = new Date(Date.now() - secondsAgo * 1000).toISOString();
  await testEnv.DB.prepare("UPDATE active_mirrors SET last_check_at = ?, last_error_at = NULL WHERE id = ?").bind(at, id).run();
}

describe("mirrors", () => {
  it("a save compares at once: needs_sync, the source's agent is told to watch the folder, and only the push list shows it", async () => {
    const owner = await register();
    const { source, destination, body } = await pair(owner);
    const { events } = await openEvents(owner.access);
    const res = await call("/api/cloud/mirrors/save", { token: owner.access, body: body({ options: { delete: true }, intervalSeconds: 120 }) });
    expect(res.status).toBe(201);
    const { mirror } = await json(res);
    expect(mirror).toMatchObject({
      direction: "push", name: "/srv/a → /srv/b", ownerId: owner.userId, sourceInstanceId: source.instanceId, destinationInstanceId: destination.instanceId,
      options: { exclude: [], delete: true }, intervalSeconds: 120, autoSync: false, state: "needs_sync", last_sync_at: null, last_error: null,
      last_summary: { identical: 1, only_destination: 1, new: 0, different: 0, destination_newer: 0 },
    });
    expect(mirror.id).toMatch(/^mir_/);
    expect(Date.now() - Date.parse(mirror.last_check_at)).toBeLessThan(10_000);
    expect(source.scans).toEqual(["/srv/a"]);
    expect(destination.scans).toEqual(["/srv/b"]);
    await until(() => watchLists(source).some((w) => w.length === 1 && w[0].id === mirror.id && w[0].path === "/srv/a"));
    expect(watchLists(destination).flat()).toEqual([]); // only a source's folder is watched
    expect(await list(owner.access)).toEqual([mirror]);
    expect(await list(owner.access, "pulls")).toEqual([]);
    const ev = await until(() => events.find((e) => e.type === "cloud:mirror" && e.mirrorId === mirror.id));
    expect(ev).toMatchObject({ instanceId: source.instanceId, destinationInstanceId: destination.instanceId, direction: "push", state: "needs_sync" });
    const audit = await json(await call("/api/audit?action=cloud.mirror_saved", { token: owner.access }));
    expect(audit.entries[0]).toMatchObject({ actor_id: owner.userId, subject_id: source.instanceId, detail: { mirror: mirror.id, created: true } });

    // Without delete, what only the destination has is not for the mirror to send: in sync.
    const edited = await json(await call("/api/cloud/mirrors/save", { token: owner.access, body: body({ id: mirror.id, options: { delete: false } }) }));
    expect(edited.mirror).toMatchObject({ id: mirror.id, state: "in_sync", options: { delete: false }, intervalSeconds: 300 });
  });

  it("a sync moves it to syncing, then, once done, checks again: in_sync with its sync time; a check answers the counts", async () => {
    const owner = await register();
    const { destination, body } = await pair(owner);
    const { events } = await openEvents(owner.access);
    const { mirror } = await json(await call("/api/cloud/mirrors/save", { token: owner.access, body: body({ options: { delete: true } }) }));
    const res = await call("/api/cloud/mirrors/sync", { token: owner.access, body: { id: mirror.id } });
    expect(res.status).toBe(200);
    const started = await json(res);
    expect(started).toMatchObject({ success: true, operationId: expect.any(String), mirror: { state: "syncing", last_operation_id: started.operationId } });
    const after = await until(async () => (await list(owner.access)).find((m) => m.state === "in_sync"));
    expect(destination.tree.has("extra.txt")).toBe(false);
    expect(after.last_sync_at).not.toBeNull();
    expect(Date.parse(after.last_check_at)).toBeGreaterThanOrEqual(Date.parse(after.last_sync_at));
    const op = await json(await call(`/api/cloud/sync/operations/${encodeURIComponent(started.operationId)}`, { token: owner.access }));
    expect(op).toMatchObject({ state: "done", files: { total: 1, done: 1 } });
    const states = await until(() => {
      const s = events.filter((e) => e.type === "cloud:mirror" && e.mirrorId === mirror.id).map((e) => e.state);
      return s.at(-1) === "in_sync" ? s : null;
    });
    expect(states).toEqual(["needs_sync", "syncing", "in_sync"]);
    const audit = await json(await call("/api/audit?action=cloud.mirror_sync", { token: owner.access }));
    expect(audit.entries[0]).toMatchObject({ actor_id: owner.userId, detail: { mirror: mirror.id, operation: started.operationId } });

    // A check compares now and answers what it found.
    destination.tree.set("another.txt", "new here");
    const checked = await json(await call("/api/cloud/mirrors/check", { token: owner.access, body: { id: mirror.id } }));
    expect(checked).toMatchObject({ success: true, pending: 1, summary: { identical: 1, only_destination: 1 }, mirror: { state: "needs_sync" } });
  });

  it("a sync that fails leaves the mirror in error with the reason", async () => {
    const owner = await register();
    const { destination, body } = await pair(owner);
    destination.calls["files.remove"] = () => {
      throw refusal("E-INTERNAL", "disk on fire");
    };
    const { mirror } = await json(await call("/api/cloud/mirrors/save", { token: owner.access, body: body({ options: { delete: true } }) }));
    await call("/api/cloud/mirrors/sync", { token: owner.access, body: { id: mirror.id } });
    const failed = await until(async () => (await list(owner.access)).find((m) => m.state === "error"), 10_000);
    expect(failed.last_error).toMatch(/disk on fire/);
    expect(failed.last_sync_at).toBeNull();
  });

  it("the source's agent reporting a change marks it needs_sync at once, without a check", async () => {
    const owner = await register();
    const { source, destination, body } = await pair(owner);
    const { mirror } = await json(await call("/api/cloud/mirrors/save", { token: owner.access, body: body() }));
    expect(mirror.state).toBe("in_sync");
    const scansBefore = source.scans.length + destination.scans.length;
    source.send({ type: "mirror-changed", ids: [mirror.id] });
    const marked = await until(async () => (await list(owner.access)).find((m) => m.state === "needs_sync"));
    expect(marked.last_check_at).toBe(mirror.last_check_at);
    expect(source.scans.length + destination.scans.length).toBe(scansBefore);
    // Another instance's agent cannot mark it: only its source's reports count.
    await call("/api/cloud/mirrors/check", { token: owner.access, body: { id: mirror.id } });
    expect((await list(owner.access))[0].state).toBe("in_sync");
    destination.send({ type: "mirror-changed", ids: [mirror.id] });
    await tick(300);
    expect((await list(owner.access))[0].state).toBe("in_sync");
  });

  it("an autoSync mirror syncs by itself after a burst of change reports, once", async () => {
    const owner = await register();
    const { source, destination, body } = await pair(owner);
    const { mirror } = await json(await call("/api/cloud/mirrors/save", { token: owner.access, body: body({ autoSync: true }) }));
    expect(mirror.state).toBe("in_sync");
    // The destination gains a file that is only there; with delete on, the mirror must remove it.
    await json(await call("/api/cloud/mirrors/save", { token: owner.access, body: body({ id: mirror.id, autoSync: true, options: { delete: true } }) }));
    const synced = await until(async () => (await list(owner.access)).find((m) => m.state === "in_sync" && m.last_sync_at), 10_000);
    expect(destination.tree.has("extra.txt")).toBe(false);
    const firstOp = synced.last_operation_id;

    destination.tree.set("extra2.txt", "again");
    for (let i = 0; i < 5; i++) source.send({ type: "mirror-changed", ids: [mirror.id] });
    await until(async () => (await list(owner.access))[0].state === "needs_sync");
    // The debounce (2 s) passes; the object's alarm runs the sync.
    await tick(2_200);
    await runDurableObjectAlarm(stub(source.instanceId));
    const again = await until(async () => (await list(owner.access)).find((m) => m.state === "in_sync" && m.last_operation_id !== firstOp), 10_000);
    expect(destination.tree.has("extra2.txt")).toBe(false);
    await tick(500);
    expect((await list(owner.access))[0].last_operation_id).toBe(again.last_operation_id);
  });

  it("refuses bad input and saves nothing: bad fields, the same or nested folders on one instance, a path outside the roots, the same pair twice", async () => {
    const owner = await register();
    const { source, body } = await pair(owner);
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...body(), sourcePath: "srv/a" }, 400, "sourcePath"],
      [{ ...body(), targetPath: "/srv/../etc" }, 400, "targetPath"],
      [{ ...body(), intervalSeconds: 5 }, 400, "intervalSeconds"],
      [{ ...body(), options: { exclude: [""] } }, 400, "options.exclude.0"],
      [{ ...body(), surprise: true }, 400, "(body)"],
      [{ ...body(), id: "not-a-mirror" }, 400, "id"],
    ];
    for (const [b, status, field] of cases) {
      const res = await call("/api/cloud/mirrors/save", { token: owner.access, body: b });
      expect(res.status, JSON.stringify(b)).toBe(status);
      const err = errorOf(await json(res));
      expect(err.code).toBe("E-VALIDATION");
      if (field) expect(err.fields?.map((f) => f.path)).toContain(field);
    }
    const same = { ...body(), destinationInstanceId: source.instanceId, targetPath: "/srv/a" };
    const nested = { ...body(), destinationInstanceId: source.instanceId, targetPath: "/srv/a/copy" };
    for (const b of [same, nested]) {
      const res = await call("/api/cloud/mirrors/save", { token: owner.access, body: b });
      expect(res.status).toBe(400);
      expect(errorOf(await json(res)).fields?.[0]?.path).toBe("targetPath");
    }
    const outside = await call("/api/cloud/mirrors/save", { token: owner.access, body: body({ targetPath: "/etc" }) });
    expect(outside.status).toBe(403);
    expect(errorOf(await json(outside)).message).toMatch(/destination .*outside the project roots/);
    expect(await list(owner.access)).toEqual([]);

    expect((await call("/api/cloud/mirrors/save", { token: owner.access, body: body() })).status).toBe(201);
    const twice = await call("/api/cloud/pulls/save", { token: owner.access, body: body() });
    expect(twice.status).toBe(409);
    expect(errorOf(await json(twice)).code).toBe("E-CONFLICT");
    expect(await list(owner.access, "pulls")).toEqual([]);
  });

  it("a stranger sees none and gets 404; a sharee without sync: gets 403 and sees none; a sharee with sync: on both may use it", async () => {
    const owner = await register();
    const { source, destination, body } = await pair(owner);
    const { mirror } = await json(await call("/api/cloud/mirrors/save", { token: owner.access, body: body() }));
    const stranger = await register();
    expect(await list(stranger.access)).toEqual([]);
    for (const op of ["check", "sync", "delete"]) {
      const res = await call(`/api/cloud/mirrors/${op}`, { token: stranger.access, body: { id: mirror.id } });
      expect(res.status, op).toBe(404);
    }
    expect((await call("/api/cloud/mirrors/save", { token: stranger.access, body: body({ targetPath: "/srv/b/other" }) })).status).toBe(404);
    expect((await call(`/api/cloud/mirrors/list?instanceId=${source.instanceId}`, { token: stranger.access })).status).toBe(404);

    const reader = await register();
    await share(owner, reader, source.instanceId, ["read:cloud_instance", "sync:cloud_instance"]);
    await share(owner, reader, destination.instanceId, ["read:cloud_instance"]);
    expect(await list(reader.access)).toEqual([]);
    for (const op of ["check", "sync", "delete"]) {
      const res = await call(`/api/cloud/mirrors/${op}`, { token: reader.access, body: { id: mirror.id } });
      expect(res.status, op).toBe(403);
      expect(errorOf(await json(res)).code).toBe("E-AUTH-FORBID");
    }
    expect((await call("/api/cloud/mirrors/save", { token: reader.access, body: body({ targetPath: "/srv/b/other" }) })).status).toBe(403);
    expect((await call("/api/cloud/mirrors/save", { token: reader.access, body: body({ id: mirror.id, autoSync: true }) })).status).toBe(403);
    expect((await list(owner.access))[0].autoSync).toBe(false);

    const syncer = await register();
    await share(owner, syncer, source.instanceId, ["read:cloud_instance", "sync:cloud_instance"]);
    await share(owner, syncer, destination.instanceId, ["read:cloud_instance", "sync:cloud_instance"]);
    expect((await list(syncer.access)).map((m) => m.id)).toEqual([mirror.id]);
    expect((await call("/api/cloud/mirrors/check", { token: syncer.access, body: { id: mirror.id } })).status).toBe(200);
  });

  it("both route families are in the OpenAPI description", async () => {
    const doc = await json(await call("/openapi.json"));
    for (const kind of ["mirrors", "pulls"]) {
      expect(doc.paths[`/api/cloud/${kind}/list`]?.get, kind).toBeDefined();
      for (const op of ["save", "delete", "sync", "check"]) expect(doc.paths[`/api/cloud/${kind}/${op}`]?.post, `${kind}/${op}`).toBeDefined();
    }
  });

  it("pull mirrors are their own list: a push route does not see one, nor a pull route a push mirror", async () => {
    const owner = await register();
    const { destination, body } = await pair(owner);
    const res = await call("/api/cloud/pulls/save", { token: owner.access, body: body({ name: "backups" }) });
    expect(res.status).toBe(201);
    const { mirror } = await json(res);
    expect(mirror).toMatchObject({ direction: "pull", name: "backups", state: "in_sync" });
    expect((await json(await call(`/api/cloud/pulls/list?instanceId=${destination.instanceId}`, { token: owner.access }))).mirrors.map((m: any) => m.id)).toEqual([mirror.id]);
    expect(await list(owner.access)).toEqual([]);
    for (const op of ["check", "sync", "delete"]) expect((await call(`/api/cloud/mirrors/${op}`, { token: owner.access, body: { id: mirror.id } })).status, op).toBe(404);
    expect((await call("/api/cloud/pulls/check", { token: owner.access, body: { id: mirror.id } })).status).toBe(200);
  });

  it("goes stale when not checked successfully within twice its interval, and a scheduled check brings it back", async () => {
    const owner = await register();
    const { source, body } = await pair(owner);
    const { mirror } = await json(await call("/api/cloud/mirrors/save", { token: owner.access, body: body({ intervalSeconds: 60 }) }));
    await backdateCheck(mirror.id, 119);
    expect((await list(owner.access))[0].state).toBe("in_sync");
    await backdateCheck(mirror.id, 125);
    expect((await list(owner.access))[0].state).toBe("stale");
    const scans = source.scans.length;
    await alarmNow(source.instanceId);
    const back = await until(async () => (await list(owner.access)).find((m) => m.state === "in_sync"));
    expect(Date.now() - Date.parse(back.last_check_at)).toBeLessThan(10_000);
    expect(source.scans.length).toBe(scans + 1);
  });

  it("an agent offline at save time: saved stale, a check now fails (error), and it is checked as soon as the agent is back", async () => {
    const owner = await register();
    const { source, body } = await pair(owner);
    source.ws!.close(1000, "bye");
    await until(async () => !(await stub(source.instanceId).live()).online);
    const res = await call("/api/cloud/mirrors/save", { token: owner.access, body: body() });
    expect(res.status).toBe(201);
    const { mirror } = await json(res);
    expect(mirror).toMatchObject({ state: "stale", last_check_at: null });
    expect(mirror.last_error).toMatch(/offline/);
    expect((await call("/api/cloud/mirrors/check", { token: owner.access, body: { id: mirror.id } })).status).toBe(503);
    expect((await list(owner.access))[0]).toMatchObject({ state: "error", last_error: expect.stringMatching(/offline/) });

    // Back: checked at once, not an interval (5 minutes) later.
    expect((await source.connect()).status).toBe(101);
    await runDurableObjectAlarm(stub(source.instanceId)); // (unless it has just fired by itself)
    const back = await until(async () => (await list(owner.access)).find((m) => m.state === "in_sync"), 10_000);
    expect(back.last_error).toBeNull();
  });

  it("a destination's agent coming back has its source's object check the mirrors that failed meanwhile", async () => {
    const owner = await register();
    const { destination, body } = await pair(owner);
    destination.ws!.close(1000, "bye");
    await until(async () => !(await stub(destination.instanceId).live()).online);
    const { mirror } = await json(await call("/api/cloud/mirrors/save", { token: owner.access, body: body() }));
    expect(mirror.state).toBe("stale");
    expect(mirror.last_error).toMatch(/destination .*offline/);
    expect((await destination.connect()).status).toBe(101);
    const back = await until(async () => (await list(owner.access)).find((m) => m.state === "in_sync"), 10_000);
    expect(back.last_error).toBeNull();
  });

  it("scheduled checks stop when the mirror's owner lost sync: (the share that allowed it was revoked)", async () => {
    const owner = await register();
    const { source, destination, body } = await pair(owner);
    const syncer = await register();
    const shares = [
      await share(owner, syncer, source.instanceId, ["read:cloud_instance", "sync:cloud_instance"]),
      await share(owner, syncer, destination.instanceId, ["read:cloud_instance", "sync:cloud_instance"]),
    ];
    const { mirror } = await json(await call("/api/cloud/mirrors/save", { token: syncer.access, body: body() }));
    expect(mirror.ownerId).toBe(syncer.userId);
    expect((await call("/api/cloud/shares/delete", { token: owner.access, body: { id: shares[1] } })).status).toBe(200);
    await backdateCheck(mirror.id, 400);
    const scans = source.scans.length;
    await alarmNow(source.instanceId);
    const stopped = await until(async () => (await list(owner.access)).find((m) => m.last_error));
    expect(stopped.last_error).toMatch(/owner may no longer sync/);
    expect(stopped.state).toBe("error");
    expect(source.scans.length).toBe(scans);

    // Saved again by someone who may: they own it now, and its schedule carries on.
    const resaved = await json(await call("/api/cloud/mirrors/save", { token: owner.access, body: body({ id: mirror.id }) }));
    expect(resaved.mirror).toMatchObject({ ownerId: owner.userId, state: "in_sync", last_error: null });
    await backdateCheck(mirror.id, 400);
    await alarmNow(source.instanceId);
    await until(async () => source.scans.length === scans + 2); // the save's check, then the schedule's
    expect((await list(owner.access))[0]).toMatchObject({ state: "in_sync", last_error: null });
  });

  it("delete: gone from the list, the agent stops watching, audited", async () => {
    const owner = await register();
    const { source, body } = await pair(owner);
    const { mirror } = await json(await call("/api/cloud/mirrors/save", { token: owner.access, body: body() }));
    await until(() => watchLists(source).at(-1)?.length === 1);
    const res = await call("/api/cloud/mirrors/delete", { token: owner.access, body: { id: mirror.id } });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ success: true, id: mirror.id });
    expect(await list(owner.access)).toEqual([]);
    await until(() => watchLists(source).at(-1)?.length === 0);
    expect((await call("/api/cloud/mirrors/delete", { token: owner.access, body: { id: mirror.id } })).status).toBe(404);
    const audit = await json(await call("/api/audit?action=cloud.mirror_deleted", { token: owner.access }));
    expect(audit.entries[0]).toMatchObject({ actor_id: owner.userId, detail: { mirror: mirror.id } });
  });
});
