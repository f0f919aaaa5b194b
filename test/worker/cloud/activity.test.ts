import { describe, expect, it } from "vitest";
import { call, errorOf, json, register, seedAdmin, testEnv, type Session } from "../helpers.ts";
import { FakeAgent, until } from "./fake-agent.ts";
import { openDb } from "../../../core/db/client.ts";
import { recordAudit } from "../../../src/audit/audit-log.ts";

/** An instance named `name` with a connected fake agent whose `disk` command prints `output`. */
async function online(owner: Session, name: string, output = `disk of ${name}\n`) {
  const agent = await FakeAgent.register(owner, name);
  const hello = agent.helloMessage();
  await agent.connect({ hello: false });
  agent.send({ ...hello, config: { ...hello.config, name } });
  agent.handlers["command.run"] = async (_params: unknown, id: string) => {
    agent.send({ type: "rpc-progress", id, stream: "stdout", data: output });
    return { exit_code: 0, signal: null, timed_out: false, duration_ms: 3, stdout_tail: output, stderr_tail: "" };
  };
  await until(async () => (await testEnv.INSTANCE.get(testEnv.INSTANCE.idFromName(agent.instanceId)).live()).hello);
  return agent;
}

const run = async (who: Session, instanceId: string, command = "disk") => {
  const res = await call(`/api/cloud/instance/${instanceId}/command`, { token: who.access, body: { command } });
  expect(res.status, await res.clone().text()).toBe(200);
  return json(res);
};

async function activity(who: Session, query = "") {
  const res = await call(`/api/cloud/activity${query ? `?${query}` : ""}`, { token: who.access });
  expect(res.status, await res.clone().text()).toBe(200);
  return json<{ items: any[]; next_before: string | null }>(res);
}

async function share(owner: Session, grantee: Session, instanceId: string, permissions: string[]) {
  const res = await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: grantee.email, instance_id: instanceId, permissions } });
  expect(res.status).toBe(200);
}

describe("GET /api/cloud/activity: what it shows", () => {
  it("merges commands from every instance of the caller, newest first, with names, status, who and output", async () => {
    const owner = await register();
    const a = await online(owner, "alpha");
    const b = await online(owner, "beta");
    const first = await run(owner, a.instanceId);
    const second = await run(owner, b.instanceId);

    const { items } = await activity(owner);
    const commands = items.filter((i) => i.kind === "command");
    expect(commands.map((i) => i.id)).toEqual([second.id, first.id]);
    expect(commands[0]).toMatchObject({ status: "success", instance_id: b.instanceId, instance_name: "beta", actor_id: owner.userId, actor_email: owner.email, output: "disk of beta", at: second.started_at });
    expect(commands[0].summary).toBe("Ran disk (exit code 0)");
    expect(commands[1]).toMatchObject({ instance_name: "alpha", output: "disk of alpha" });
    // The command's audit entry is the same action: listed once, from the object (with its output).
    expect(items.filter((i) => i.summary.startsWith("Ran disk"))).toHaveLength(2);
    // Everything is in order, newest first.
    const ats = items.map((i) => i.at);
    expect([...ats].sort().reverse()).toEqual(ats);
  });

  it("shows a running command as pending, then as its outcome", async () => {
    const owner = await register();
    const agent = await online(owner, "slow");
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    agent.handlers["command.run"] = async () => {
      await held;
      return { exit_code: 2, signal: null, timed_out: false, duration_ms: 40, stdout_tail: "", stderr_tail: "no space" };
    };
    const running = call(`/api/cloud/instance/${agent.instanceId}/command`, { token: owner.access, body: { command: "disk" } });
    const pending = await until(async () => (await activity(owner, "kind=command")).items.find((i) => i.status === "pending"), 5000);
    expect(pending).toMatchObject({ instance_name: "slow", summary: "Ran disk (running)" });
    expect((await activity(owner, "status=pending")).items.map((i) => i.id)).toEqual([pending.id]);
    release();
    expect((await running).status).toBe(200);
    const done = (await activity(owner, "kind=command")).items;
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ id: pending.id, status: "error", summary: "Ran disk (exit code 2)" });
    expect((await activity(owner, "status=pending")).items).toEqual([]);
  });

  it("lists audit-log actions on the instance: proxy pauses, terminals, git writes, file changes, syncs", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner, "audited");
    const db = openDb(testEnv.DB);
    await recordAudit(db, { actorId: owner.userId, action: "cloud.proxy_paused", subjectId: agent.instanceId, detail: { reason: "maintenance" } });
    await recordAudit(db, { actorId: owner.userId, action: "cloud.git_commit", subjectId: agent.instanceId, detail: { repo: "/srv/app" } });
    await recordAudit(db, { actorId: owner.userId, action: "cloud.file_write", subjectId: agent.instanceId, detail: { path: "/srv/app/a.txt", size: 5, created: true } });
    await recordAudit(db, { actorId: owner.userId, action: "cloud.terminal_opened", subjectId: agent.instanceId });
    // A sync whose operation the source's object does not know: said so, not made up.
    await recordAudit(db, { actorId: owner.userId, action: "cloud.sync_start", subjectId: agent.instanceId, detail: { operation: `${agent.instanceId}.gone`, destination: agent.instanceId, source_path: "/a", target_path: "/b" } });
    // Not an action on the instance: stays in the audit log only.
    await recordAudit(db, { actorId: owner.userId, action: "cloud.share_saved", subjectId: agent.instanceId });

    const { items } = await activity(owner);
    expect(items.map((i) => [i.kind, i.status, i.summary])).toEqual([
      ["sync", "success", "Sync of /a to audited:/b: started; its outcome is no longer kept"],
      ["terminal", "success", "Opened a terminal"],
      ["file", "success", "Created /srv/app/a.txt (5 bytes)"],
      ["git", "success", "git commit in /srv/app"],
      ["proxy", "success", "Proxy paused: maintenance"],
      ["instance", "success", "Anchored as audited"],
    ]);
    expect(items.every((i) => i.instance_name === "audited" && i.id.startsWith("aud_"))).toBe(true);
  });

  it("shows a command older than the object's record from its audit entry, without output", async () => {
    const owner = await register();
    const agent = await online(owner, "old-cmds");
    const db = openDb(testEnv.DB);
    await recordAudit(db, { actorId: owner.userId, action: "cloud.command", subjectId: agent.instanceId, detail: { command: "disk", status: "error", exit_code: 1 } });
    // Back-date it before the first recorded action.
    await testEnv.DB.prepare("UPDATE audit_log SET at = ? WHERE subject_id = ? AND action = 'cloud.command'").bind("2020-01-01T00:00:00.000Z", agent.instanceId).run();
    const recent = await run(owner, agent.instanceId);
    const { items } = await activity(owner, "kind=command");
    expect(items.map((i) => [i.id.slice(0, 4), i.status, i.summary])).toEqual([
      ["act_", "success", "Ran disk (exit code 0)"],
      ["aud_", "error", "Ran disk (exit code 1; its output is no longer kept)"],
    ]);
    expect(items[0].id).toBe(recent.id);
    expect(items[1].output).toBeUndefined();
  });
});

describe("GET /api/cloud/activity: who sees what", () => {
  it("never shows another user's instance, and answers 404 for it as a filter", async () => {
    const owner = await register();
    const stranger = await register();
    const agent = await online(owner, "private");
    await run(owner, agent.instanceId);
    await recordAudit(openDb(testEnv.DB), { actorId: owner.userId, action: "cloud.proxy_paused", subjectId: agent.instanceId });
    expect((await activity(stranger)).items).toEqual([]);
    const res = await call(`/api/cloud/activity?instance=${agent.instanceId}`, { token: stranger.access });
    expect(res.status).toBe(404);
    expect(errorOf(await json(res)).code).toBe("E-NOT-FOUND");
    expect((await call("/api/cloud/activity")).status).toBe(401);
  });

  it("shows a sharee the shared instance only: its commands, and of the rest only their own", async () => {
    const owner = await register();
    const sharee = await register();
    const other = await register();
    const shared = await online(owner, "shared-box");
    const mine = await online(owner, "owners-only");
    await share(owner, sharee, shared.instanceId, ["read:cloud_instance", "command:cloud_instance"]);
    await share(owner, other, shared.instanceId, ["read:cloud_instance", "command:cloud_instance"]);
    const byOwner = await run(owner, shared.instanceId);
    const byOther = await run(other, shared.instanceId);
    const byMe = await run(sharee, shared.instanceId);
    await run(owner, mine.instanceId);
    const db = openDb(testEnv.DB);
    await recordAudit(db, { actorId: owner.userId, action: "cloud.proxy_paused", subjectId: shared.instanceId, detail: { reason: "owner's" } });
    await recordAudit(db, { actorId: other.userId, action: "cloud.terminal_opened", subjectId: shared.instanceId });
    await recordAudit(db, { actorId: sharee.userId, action: "cloud.git_commit", subjectId: shared.instanceId, detail: { repo: "/r" } });

    const { items } = await activity(sharee);
    expect(new Set(items.map((i) => i.instance_id))).toEqual(new Set([shared.instanceId]));
    expect(items.filter((i) => i.kind === "command").map((i) => i.id)).toEqual([byMe.id, byOther.id, byOwner.id]);
    expect(items.filter((i) => i.kind !== "command").map((i) => i.summary)).toEqual(["git commit in /r"]);
    // Emails: their own and the owner's (the share names them), not another sharee's.
    const email = (id: string) => items.find((i) => i.id === id).actor_email;
    expect([email(byMe.id), email(byOwner.id), email(byOther.id)]).toEqual([sharee.email, owner.email, undefined]);
    expect(items.find((i) => i.id === byOther.id).actor_id).toBe(other.userId);
    expect((await call(`/api/cloud/activity?instance=${mine.instanceId}`, { token: sharee.access })).status).toBe(404);

    // The owner sees everyone's, with their addresses.
    const owners = (await activity(owner, `instance=${shared.instanceId}`)).items;
    expect(owners.map((i) => i.kind)).toEqual(["git", "terminal", "proxy", "command", "command", "command", "instance"]);
    expect(owners.find((i) => i.id === byOther.id).actor_email).toBe(other.email);
  });

  it("a share without read, or revoked, shows nothing; an admin sees every instance", async () => {
    const owner = await register();
    const sharee = await register();
    const admin = await seedAdmin();
    const agent = await online(owner, "revoked");
    await share(owner, sharee, agent.instanceId, ["read:cloud_instance"]);
    const cmd = await run(owner, agent.instanceId);
    expect((await activity(sharee)).items.map((i) => i.id)).toContain(cmd.id);
    const list = await json(await call("/api/cloud/shares/list", { token: owner.access }));
    await call("/api/cloud/shares/delete", { token: owner.access, body: { id: list.given[0].id } });
    expect((await activity(sharee)).items).toEqual([]);
    const seen = await activity(admin, `instance=${agent.instanceId}`);
    expect(seen.items.map((i) => i.id)).toContain(cmd.id);
    expect(seen.items.find((i) => i.id === cmd.id).actor_email).toBe(owner.email);
  });
});

describe("GET /api/cloud/activity: filters, pages, validation", () => {
  it("filters by instance, kind and status", async () => {
    const owner = await register();
    const a = await online(owner, "f-a");
    const b = await online(owner, "f-b");
    b.handlers["command.run"] = () => ({ exit_code: 1, signal: null, timed_out: false, duration_ms: 1, stdout_tail: "", stderr_tail: "" });
    const ok = await run(owner, a.instanceId);
    const bad = await run(owner, b.instanceId);
    await recordAudit(openDb(testEnv.DB), { actorId: owner.userId, action: "cloud.proxy_resumed", subjectId: a.instanceId });

    expect((await activity(owner, `instance=${a.instanceId}`)).items.map((i) => i.kind)).toEqual(["proxy", "command", "instance"]);
    expect((await activity(owner, "kind=command")).items.map((i) => i.id)).toEqual([bad.id, ok.id]);
    expect((await activity(owner, "kind=proxy")).items.map((i) => i.summary)).toEqual(["Proxy resumed"]);
    expect((await activity(owner, "status=error")).items.map((i) => i.id)).toEqual([bad.id]);
    expect((await activity(owner, `status=success&kind=command&instance=${a.instanceId}`)).items.map((i) => i.id)).toEqual([ok.id]);
    expect((await activity(owner, `kind=sync`)).items).toEqual([]);
  });

  it("pages with before: every item once, in order, to the end", async () => {
    const owner = await register();
    const a = await online(owner, "p-a");
    const b = await online(owner, "p-b");
    const db = openDb(testEnv.DB);
    for (let i = 0; i < 3; i++) {
      await run(owner, i % 2 ? a.instanceId : b.instanceId);
      await recordAudit(db, { actorId: owner.userId, action: "cloud.file_mkdir", subjectId: a.instanceId, detail: { path: `/d${i}` } });
    }
    const all = (await activity(owner)).items;
    expect(all).toHaveLength(8); // 3 commands, 3 folders, 2 registrations
    for (const limit of [1, 3]) {
      const seen: string[] = [];
      let before: string | null = null;
      for (let pages = 0; pages < 20; pages++) {
        const page = await activity(owner, `limit=${limit}${before ? `&before=${encodeURIComponent(before)}` : ""}`);
        expect(page.items.length).toBeLessThanOrEqual(limit);
        seen.push(...page.items.map((i) => i.id));
        before = page.next_before;
        if (!before) break;
      }
      expect(seen).toEqual(all.map((i) => i.id));
    }
  });

  it("refuses bad input with the JSON error naming the field", async () => {
    const owner = await register();
    for (const [query, field] of [
      ["kind=everything", "kind"],
      ["status=running", "status"],
      ["limit=0", "limit"],
      ["limit=101", "limit"],
      ["limit=ten", "limit"],
      ["before=yesterday", "before"],
      ["instance=", "instance"],
      ["colour=red", "(body)"],
    ] as const) {
      const res = await call(`/api/cloud/activity?${query}`, { token: owner.access });
      expect(res.status, query).toBe(400);
      const error = errorOf(await json(res));
      expect(error.code, query).toBe("E-VALIDATION");
      expect(error.fields?.map((f) => f.path), query).toContain(field);
    }
  });

  it("is described in /openapi.json with the shared schema", async () => {
    const doc = await json(await call("/openapi.json"));
    const op = doc.paths["/api/cloud/activity"].get;
    expect(op.parameters.map((p: { name: string }) => p.name).sort()).toEqual(["before", "instance", "kind", "limit", "status"]);
    const schema = op.responses["200"].content["application/json"].schema;
    expect(JSON.stringify(schema)).toContain("next_before");
  });
});
