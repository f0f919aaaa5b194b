import { describe, expect, it } from "vitest";
import { call, errorOf, json, register, testEnv } from "../helpers.ts";
import { FakeAgent, tick } from "./fake-agent.ts";

async function online(owner: Awaited<ReturnType<typeof register>>) {
  const agent = await FakeAgent.register(owner);
  const res = await agent.connect();
  expect(res.status).toBe(101);
  await tick(50);
  return agent;
}

describe("git routes", () => {
  it("refuses bad input before anything reaches the agent", async () => {
    const owner = await register();
    const agent = await online(owner);
    const asked: unknown[] = [];
    agent.handlers.git = (p) => (asked.push(p), { repos: [] });
    const base = `/api/cloud/instance/${agent.instanceId}/git`;
    for (const [path, body] of [
      ["stage", { repo: "/srv/app", paths: ["../escape"] }],
      ["stage", { repo: "/srv/app", paths: ["/etc/passwd"] }],
      ["stage", { repo: "relative", paths: ["a"] }],
      ["branches", { repo: "/srv/app", name: "-D" }],
      ["branches", { repo: "/srv/app", name: "+main" }],
      ["checkout", { repo: "/srv/app", branch: "a..b" }],
      ["push", { repo: "/srv/app", remote: "--upload-pack=sh" }],
      ["commit", { repo: "/srv/app", message: "   " }],
      ["commit", { repo: "/srv/app", message: "m", author: { name: "Someone Else", email: "x@example.test" } }],
    ] as const) {
      const res = await call(`${base}/${path}`, { token: owner.access, body });
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(errorOf(await json(res)).code).toBe("E-VALIDATION");
    }
    expect((await call(`${base}/diff?repo=/srv/app&mode=commits&from=--output=/tmp/x`, { token: owner.access })).status).toBe(400);
    expect(asked).toEqual([]);
  });

  it("commits as the signed-in user, and passes the agent's refusals on with their own status", async () => {
    const owner = await register();
    const agent = await online(owner);
    let asked: any;
    agent.handlers.git = (p) => {
      asked = p;
      if (p.op === "checkout") throw Object.assign(new Error("/srv/app is in the middle of a merge; finish or abort it first"), { code: "E-CONFLICT" });
      if (p.op === "status") throw Object.assign(new Error("boom"), { code: "E-AUTH-UNAUTH" }); // not the agent's to say
      return { sha: "a".repeat(40), summary: "m" };
    };
    const base = `/api/cloud/instance/${agent.instanceId}/git`;
    const committed = await call(`${base}/commit`, { token: owner.access, body: { repo: "/srv/app", message: "m" } });
    expect(committed.status).toBe(200);
    expect(asked).toMatchObject({ op: "commit", repo: "/srv/app", author: { email: owner.email } });
    const refused = await call(`${base}/checkout`, { token: owner.access, body: { repo: "/srv/app", branch: "main" } });
    expect(refused.status).toBe(409);
    expect(errorOf(await json(refused)).message).toMatch(/middle of a merge/);
    const odd = await call(`${base}/status?repo=/srv/app`, { token: owner.access });
    expect(odd.status).toBe(500);
    // The agent's answer is checked against the contract too.
    agent.handlers.git = () => ({ nonsense: true });
    expect((await call(`${base}/branches?repo=/srv/app`, { token: owner.access })).status).toBe(500);
  });

  it("answers 503 when the instance is offline", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    const res = await call(`/api/cloud/instance/${agent.instanceId}/git/status?repo=/srv/app`, { token: owner.access });
    expect(res.status).toBe(503);
    expect(errorOf(await json(res)).code).toBe("E-INSTANCE-OFFLINE");
  });
});

describe("terminal route", () => {
  const upgrade = { upgrade: "websocket" };

  it("wants a WebSocket upgrade, a signed-in caller, and our own origin when signed in by cookie", async () => {
    const owner = await register();
    const agent = await online(owner);
    const path = `/api/cloud/instance/${agent.instanceId}/terminal`;
    expect((await call(path, { token: owner.access })).status).toBe(400);
    expect((await call(path, { headers: upgrade })).status).toBe(401);
    const cookie = `anc_access=${owner.access}`;
    const crossSite = await call(path, { headers: { ...upgrade, cookie, origin: "https://evil.example" } });
    expect(crossSite.status).toBe(403);
    expect((await call(path, { headers: { ...upgrade, cookie } })).status).toBe(403); // no Origin at all
    expect((await call(`${path}?cols=0`, { token: owner.access, headers: upgrade })).status).toBe(400);
    expect((await call(`${path}?session=not-a-session`, { token: owner.access, headers: upgrade })).status).toBe(400);
  });

  it("refuses to reattach to a session that is not the caller's own live one on this instance", async () => {
    const owner = await register();
    const sharee = await register();
    const agent = await online(owner);
    await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: sharee.email, instance_id: agent.instanceId, permissions: ["read:cloud_instance", "terminal:cloud_instance"] } });
    const session = "tty_ownersSession01";
    await testEnv.DB.prepare("INSERT INTO terminal_sessions (id, instance_id, owner_id, user_id, shell, cols, rows, started_at, recorded) VALUES (?, ?, ?, ?, '/bin/sh', 80, 24, ?, 1)")
      .bind(session, agent.instanceId, owner.userId, owner.userId, new Date().toISOString())
      .run();
    const res = await call(`/api/cloud/instance/${agent.instanceId}/terminal?session=${session}`, { token: sharee.access, headers: upgrade });
    expect(res.status).toBe(404);
    // An agent cannot end another instance's session by naming it.
    const other = await online(owner);
    other.send({ type: "tty-ended", session, code: 0, signal: null, reason: "exit", at: new Date().toISOString() });
    await tick(100);
    const row = await testEnv.DB.prepare("SELECT ended_at FROM terminal_sessions WHERE id = ?").bind(session).first<{ ended_at: string | null }>();
    expect(row?.ended_at).toBeNull();
    agent.send({ type: "tty-ended", session, code: 3, signal: null, reason: "exit", at: new Date().toISOString() });
    await tick(100);
    const listed = await json(await call(`/api/cloud/instance/${agent.instanceId}/terminals`, { token: owner.access }));
    expect(listed.sessions[0]).toMatchObject({ id: session, exit_code: 3, end_reason: "exit" });
    // The sharee lists only their own sessions, and no recording is theirs to read.
    expect((await json(await call(`/api/cloud/instance/${agent.instanceId}/terminals`, { token: sharee.access }))).sessions).toEqual([]);
    expect((await call(`/api/cloud/terminals/${session}/recording`, { token: sharee.access })).status).toBe(404);
  });

  it("answers 503 when the instance is offline", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    const res = await call(`/api/cloud/instance/${agent.instanceId}/terminal`, { token: owner.access, headers: upgrade });
    expect(res.status).toBe(503);
  });
});
