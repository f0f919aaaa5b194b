import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until } from "./agent-process.ts";
import { openTerminal } from "./terminal-client.ts";

const line = (text: string) => new RegExp(`(?:^|[\r\n])${text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\r\n`);

/**
 * Shared terminal sessions with a real agent and a real shell: the session's user invites a
 * watcher and a driver; each joins with `session=<id>`, sees what was already on the screen and
 * what comes after; the watcher's keys are refused (`read-only`), the driver's reach the shell;
 * everyone hears who is in; the user drops the driver, whose socket closes; an invite without
 * terminal access, or no invite at all, opens nothing.
 */
describe("shared terminal sessions", () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-tty-shared-")));
  let owner: TestUser;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let id = "";

  beforeAll(async () => {
    owner = await freshUser("tty-host");
    agent = await startAgent(owner.token, `name: shared-box\nroots: [${JSON.stringify(root)}]\nterminal: { shell: /bin/bash }\n`);
    id = agent.instanceId;
    await until(async () => (await api(`/api/cloud/instance/${id}`, { token: owner.token })).body.status === "online", 20_000);
  });
  afterAll(() => {
    agent?.run.child.kill("SIGKILL");
    rmSync(root, { recursive: true, force: true });
  });

  async function withTerminalAccess(name: string) {
    const u = await freshUser(name);
    const share = await api("/api/cloud/shares/save", { token: owner.token, body: { grantee_email: u.email, instance_id: id, permissions: ["read:cloud_instance", "terminal:cloud_instance"] } });
    expect(share.status).toBe(200);
    return u;
  }
  const invite = (session: string, body: Record<string, unknown>, token = owner.token) => api(`/api/cloud/instance/${id}/terminal/sessions/${session}/participants`, { token, body });

  it("lets a watcher see and a driver type, tells everyone who is in, and drops a participant at once", async () => {
    const watcher = await withTerminalAccess("tty-watcher");
    const driver = await withTerminalAccess("tty-driver");
    const stranger = await freshUser("tty-stranger");
    const host = await openTerminal(id, owner.token, { ack: 1 });
    const { id: session } = await host.session();
    host.type("echo before-$((1+1))\r");
    await host.waitFor(line("before-2"));

    // No invite: someone else's session does not exist for them.
    expect((await openTerminal(id, watcher.token, { session })).opened).toMatchObject({ ok: false, status: 404 });
    // An invite to someone without terminal access is refused; so is one by anyone but the session's user.
    const refused = await invite(session, { email: stranger.email });
    expect(refused.status).toBe(403);
    expect((await invite(session, { email: stranger.email }, watcher.token)).status).toBe(404);

    expect((await invite(session, { email: watcher.email, mode: "watch" })).status).toBe(200);
    const listed = await invite(session, { email: driver.email, mode: "drive" });
    expect(listed.body.participants.map((p: any) => [p.email, p.mode])).toEqual([[watcher.email, "watch"], [driver.email, "drive"]]);

    // The watcher joins: the screen so far, then what follows.
    const w = await openTerminal(id, watcher.token, { session, ack: 1 });
    expect(w.opened).toEqual({ ok: true });
    await w.waitFor(line("before-2"));
    host.type("echo hi\r");
    await w.waitFor(line("hi"));
    // Their keys do not reach the shell.
    w.type("echo from-watcher\r");
    await until(() => w.control.find((m) => m.type === "read-only"));
    await new Promise((r) => setTimeout(r, 300));
    expect(host.output()).not.toContain("from-watcher");

    // The driver joins and types; everyone sees it, and everyone heard who is in.
    const d = await openTerminal(id, driver.token, { session, ack: 1 });
    expect(d.opened).toEqual({ ok: true });
    d.type("echo driven-$((2+3))\r");
    await host.waitFor(line("driven-5"));
    await w.waitFor(line("driven-5"));
    const lastList = (t: typeof host) => [...t.control].reverse().find((m) => m.type === "participants")?.list.map((p: any) => p.mode);
    await until(() => JSON.stringify(lastList(host)) === JSON.stringify(["owner", "watch", "drive"]));
    expect(lastList(w)).toEqual(["owner", "watch", "drive"]);

    // Dropped: the driver's socket closes now, they cannot come back, and the others hear it.
    const driverId = listed.body.participants.find((p: any) => p.email === driver.email).user_id;
    const dropped = await api(`/api/cloud/instance/${id}/terminal/sessions/${session}/participants/${driverId}`, { method: "DELETE", token: owner.token });
    expect(dropped.status).toBe(200);
    await until(() => d.closed(), 5_000);
    expect(d.closed()!.code).toBe(4403);
    expect((await openTerminal(id, driver.token, { session })).opened).toMatchObject({ ok: false, status: 404 });
    await until(() => JSON.stringify(lastList(host)) === JSON.stringify(["owner", "watch"]));

    // The watcher's "close" only leaves; the shell lives on for its user.
    w.send({ type: "close" });
    await until(() => w.closed(), 5_000);
    host.type("echo still-here\r");
    await host.waitFor(line("still-here"));

    // Every join, invite and drop is in the owner's audit log.
    const audit = await api("/api/audit?limit=50", { token: owner.token });
    const actions = (audit.body.entries ?? audit.body.items ?? []).map((e: any) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["cloud.terminal_participant_added", "cloud.terminal_participant_dropped"]));
    host.send({ type: "close" });
  });

  it("closes a participant's socket when their own access to the instance is revoked", async () => {
    const viewer = await freshUser("tty-viewer");
    const share = await api("/api/cloud/shares/save", { token: owner.token, body: { grantee_email: viewer.email, instance_id: id, permissions: ["read:cloud_instance", "terminal:cloud_instance"] } });
    const host = await openTerminal(id, owner.token);
    const { id: session } = await host.session();
    expect((await invite(session, { email: viewer.email })).status).toBe(200);
    const v = await openTerminal(id, viewer.token, { session });
    expect(v.opened).toEqual({ ok: true });
    expect((await api("/api/cloud/shares/delete", { token: owner.token, body: { id: share.body.id } })).status).toBe(200);
    await until(() => v.closed(), 5_000);
    expect(v.closed()!.code).toBe(4403);
    expect((await openTerminal(id, viewer.token, { session })).opened).toMatchObject({ ok: false, status: 404 });
    host.send({ type: "close" });
  });
});
