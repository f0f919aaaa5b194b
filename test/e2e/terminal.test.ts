import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until } from "./agent-process.ts";
import { openTerminal } from "./terminal-client.ts";

/** A whole line of output (bash may start it with a bare CR after turning bracketed paste off). */
const line = (text: string) => new RegExp(`(?:^|[\r\n])${text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\r\n`);

/**
 * The browser terminal end to end: `npm start`, a real agent process with a real pty
 * (node-pty), and terminal sockets opened the way a script or the dashboard opens them.
 */
describe("terminal", () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-tty-root-")));
  let owner: TestUser;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let id = "";

  beforeAll(async () => {
    owner = await freshUser("tty-owner");
    agent = await startAgent(owner.token, `name: tty-box\nroots: [${JSON.stringify(root)}]\nterminal: { shell: /bin/bash, grace_seconds: 60 }\n`);
    id = agent.instanceId;
    await until(async () => (await api(`/api/cloud/instance/${id}`, { token: owner.token })).body.status === "online", 20_000);
  });
  afterAll(() => {
    agent?.run.child.kill("SIGKILL");
    rmSync(root, { recursive: true, force: true });
  });

  it("runs a login shell in the project root: type, read the answer, resize, and get the exit code", async () => {
    const t = await openTerminal(id, owner.token);
    expect(t.opened).toEqual({ ok: true });
    const session = await t.session();
    expect(session.id).toMatch(/^tty_/);
    expect(session.offset).toBe(0);
    t.type("echo $((6*7)); pwd\r");
    await t.waitFor(line("42"));
    await t.waitFor(line(root));
    // A resize reaches the shell (SIGWINCH): stty reads the new size from the terminal.
    t.send({ type: "resize", cols: 132, rows: 43 });
    t.type("stty size\r");
    await t.waitFor(line("43 132"));
    // Colour and UTF-8 pass through as bytes.
    t.type("printf '\\033[31mrot\\033[0m ünïcödé ✓\\n'\r");
    await t.waitFor(/\x1b\[31mrot\x1b\[0m ünïcödé ✓/);
    t.type("exit 7\r");
    await until(() => t.control.find((m) => m.type === "exit"));
    expect(t.control.find((m) => m.type === "exit")).toEqual({ type: "exit", code: 7, signal: null });
    await until(() => t.closed());
    expect(t.closed()!.code).toBe(1000);

    // The session is listed with how it ended, and its recording (asciicast v2) holds the output.
    const listed = await until(async () => {
      const r = await api(`/api/cloud/instance/${id}/terminals`, { token: owner.token });
      return r.body.sessions?.find((s: any) => s.id === session.id && s.ended_at);
    });
    expect(listed).toMatchObject({ user_id: owner.id, exit_code: 7, end_reason: "exit", recorded: true, shell: "/bin/bash" });
    const rec = await fetch(`${(await import("./http-client.ts")).base()}/api/cloud/terminals/${session.id}/recording`, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(rec.status).toBe(200);
    const lines = (await rec.text()).trim().split("\n").map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ version: 2, width: 80, height: 24 });
    expect(lines.some((l) => Array.isArray(l) && l[1] === "o" && String(l[2]).includes("42"))).toBe(true);
    expect(lines.some((l) => Array.isArray(l) && l[1] === "r" && l[2] === "132x43")).toBe(true);
    // Keystrokes are not recorded (they may be passwords).
    expect(lines.some((l) => Array.isArray(l) && l[1] === "i")).toBe(false);
  });

  it("keeps the shell through a dropped socket, and replays what was missed on reattach", async () => {
    const t = await openTerminal(id, owner.token);
    const { id: session } = await t.session();
    t.type("export MARK=still-here; echo set\r");
    await t.waitFor(line("set"));
    // Output that arrives while no one is attached.
    t.type("sleep 1; echo written-while-away\r");
    await t.waitFor(/sleep 1/);
    const have = t.bytes();
    t.ws.terminate();
    await new Promise((r) => setTimeout(r, 2_000));

    const again = await openTerminal(id, owner.token, { session, since: have });
    expect(again.opened).toEqual({ ok: true });
    const s = await again.session();
    expect(s).toMatchObject({ id: session, offset: have });
    await again.waitFor(line("written-while-away"));
    // The same shell: its variable is still set.
    again.type("echo $MARK\r");
    await again.waitFor(line("still-here"));
    again.send({ type: "close" });
    await until(() => again.closed());
    // Once closed it is gone: reattaching is refused.
    const late = await openTerminal(id, owner.token, { session });
    expect(late.opened).toMatchObject({ ok: false, status: 404 });
  });

  it("holds a flooding shell to the pace of a client that acknowledges what it has (ack=1)", async () => {
    const t = await openTerminal(id, owner.token, { ack: 1 });
    await t.session();
    t.type("head -c 2000000 /dev/zero | tr '\\0' x; echo; echo flood-$((1+1))-done\r");
    await until(() => t.bytes() > 32 * 1024);
    await new Promise((r) => setTimeout(r, 1_000));
    const stalled = t.bytes();
    // Not a byte past the terminal's 64 KiB window until the client says it has taken them in.
    expect(stalled).toBeLessThanOrEqual(64 * 1024);
    await new Promise((r) => setTimeout(r, 500));
    expect(t.bytes()).toBe(stalled);
    const pump = setInterval(() => t.ack(), 20);
    try {
      await t.waitFor(line("flood-2-done"), 0, 30_000);
    } finally {
      clearInterval(pump);
    }
    expect(t.bytes()).toBeGreaterThan(2_000_000);
    t.send({ type: "close" });
  });

  it("runs several terminals at once, each its own shell", async () => {
    const [a, b] = await Promise.all([openTerminal(id, owner.token), openTerminal(id, owner.token)]);
    const [sa, sb] = await Promise.all([a.session(), b.session()]);
    expect(sa.id).not.toBe(sb.id);
    a.type("echo shell-$$\r");
    b.type("echo shell-$$\r");
    await a.waitFor(/[\r\n]shell-\d+\r\n/);
    await b.waitFor(/[\r\n]shell-\d+\r\n/);
    const pid = (o: string) => /[\r\n]shell-(\d+)\r\n/.exec(o)![1];
    expect(pid(a.output())).not.toBe(pid(b.output()));
    a.send({ type: "close" });
    b.send({ type: "close" });
  });

  it("answers bad control messages with an error and keeps going", async () => {
    const t = await openTerminal(id, owner.token);
    await t.session();
    t.ws.send("not json");
    t.send({ type: "resize", cols: 0, rows: 10 });
    await until(() => t.control.filter((m) => m.type === "error").length === 2);
    t.send({ type: "ping" });
    await until(() => t.control.find((m) => m.type === "pong"));
    t.type("echo alive\r");
    await t.waitFor(line("alive"));
    t.send({ type: "close" });
  });

  it("refuses strangers, sharees without terminal permission, and reattaching to someone else's shell", async () => {
    const stranger = await freshUser("tty-stranger");
    expect((await openTerminal(id, stranger.token)).opened).toMatchObject({ ok: false, status: 404 });
    const reader = await freshUser("tty-reader");
    await api("/api/cloud/shares/save", { token: owner.token, body: { grantee_email: reader.email, instance_id: id, permissions: ["read:cloud_instance"] } });
    expect((await openTerminal(id, reader.token)).opened).toMatchObject({ ok: false, status: 403 });
    // A cookie-less browser-style upgrade from another origin is refused too (no credentials at all here).
    const noAuth = await openTerminal(id, "not-a-token");
    expect(noAuth.opened).toMatchObject({ ok: false, status: 401 });

    const mine = await openTerminal(id, owner.token);
    const { id: session } = await mine.session();
    const typist = await freshUser("tty-typist");
    await api("/api/cloud/shares/save", { token: owner.token, body: { grantee_email: typist.email, instance_id: id, permissions: ["read:cloud_instance", "terminal:cloud_instance"] } });
    expect((await openTerminal(id, typist.token, { session })).opened).toMatchObject({ ok: false, status: 404 });
    mine.send({ type: "close" });
  });

  it("closes a sharee's open terminal the moment the share is revoked", async () => {
    const sharee = await freshUser("tty-sharee");
    const share = await api("/api/cloud/shares/save", { token: owner.token, body: { grantee_email: sharee.email, instance_id: id, permissions: ["read:cloud_instance", "terminal:cloud_instance"] } });
    expect(share.status).toBe(200);
    const t = await openTerminal(id, sharee.token);
    const { id: session } = await t.session();
    t.type("echo shared-shell\r");
    await t.waitFor(line("shared-shell"));
    expect((await api("/api/cloud/shares/delete", { token: owner.token, body: { id: share.body.id } })).status).toBe(200);
    await until(() => t.closed(), 5_000);
    expect(t.closed()!.code).toBe(4403);
    // The shell itself is gone, and the sharee cannot come back to it.
    const back = await openTerminal(id, sharee.token, { session });
    expect(back.opened).toMatchObject({ ok: false, status: 404 });
    const listed = await until(async () => (await api(`/api/cloud/instance/${id}/terminals`, { token: owner.token })).body.sessions.find((s: any) => s.id === session && s.ended_at));
    expect(listed.end_reason).toBe("closed");
    // Recordings are the owner's to read, not the sharee's.
    expect((await api(`/api/cloud/terminals/${session}/recording`, { token: sharee.token })).status).toBe(404);
  });

  it("closes the terminals of a user the moment an admin disables them", async () => {
    const sharee = await freshUser("tty-disabled");
    await api("/api/cloud/shares/save", { token: owner.token, body: { grantee_email: sharee.email, instance_id: id, permissions: ["read:cloud_instance", "terminal:cloud_instance"] } });
    const t = await openTerminal(id, sharee.token);
    const { id: session } = await t.session();
    const disabled = await api(`/admin/users/${sharee.id}`, { method: "PATCH", token: inject("adminToken"), body: { disabled: true } });
    expect(disabled.status).toBe(200);
    await until(() => t.closed(), 5_000);
    expect(t.closed()!.code).toBe(4403);
    await until(async () => (await api(`/api/cloud/instance/${id}/terminals`, { token: owner.token })).body.sessions.find((s: any) => s.id === session && s.ended_at));
  });

  it("tells an attached browser when the agent drops, and marks its shells lost once it comes back without them", async () => {
    const t = await openTerminal(id, owner.token);
    const { id: session } = await t.session();
    agent.run.child.kill("SIGKILL");
    await until(() => t.closed(), 10_000);
    expect(t.closed()!.code).toBe(4503);
    agent.run = agent.restart();
    const listed = await until(async () => (await api(`/api/cloud/instance/${id}/terminals`, { token: owner.token })).body.sessions.find((s: any) => s.id === session && s.ended_at), 20_000);
    expect(listed.end_reason).toBe("lost");
    const fresh = await until(async () => {
      const c = await openTerminal(id, owner.token);
      return c.opened.ok ? c : undefined;
    }, 20_000);
    fresh.type("echo back\r");
    await fresh.waitFor(line("back"));
    fresh.send({ type: "close" });
  });
});
