import { describe, expect, it } from "vitest";
import { call, json, register, testEnv } from "../helpers.ts";
import { FakeAgent, tick } from "./fake-agent.ts";

/**
 * The session list reports what is stored of a recording, the same bytes its download returns:
 * while the session runs (segments are written as it goes) and after it ended, however it ended
 * (an end that carried no count, as a session lost with an agent restart, included).
 */
describe("terminal recording size", () => {
  it("matches the stored recording while the session runs and after it ended", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    expect((await agent.connect()).status).toBe(101);
    await tick(50);
    const session = "tty_recordedRunning1";
    await testEnv.DB.prepare("INSERT INTO terminal_sessions (id, instance_id, owner_id, user_id, shell, cols, rows, started_at, recorded) VALUES (?, ?, ?, ?, '/bin/bash', 80, 24, ?, 1)")
      .bind(session, agent.instanceId, owner.userId, owner.userId, new Date().toISOString())
      .run();
    // What the recorder writes: numbered asciicast segments (non-ASCII output: bytes, not characters).
    const prefix = `recordings/${agent.instanceId}/${session}/`;
    const header = `${JSON.stringify({ version: 2, width: 80, height: 24 })}\n`;
    await testEnv.BLOBS.put(`${prefix}00000000`, header + `${JSON.stringify([0.1, "o", "héllo wörld ✓\r\n".repeat(500)])}\n`);

    const listed = async () => (await json(await call(`/api/cloud/instance/${agent.instanceId}/terminals`, { token: owner.access }))).sessions.find((s: any) => s.id === session);
    const download = async () => {
      const res = await call(`/api/cloud/terminals/${session}/recording`, { token: owner.access });
      expect(res.status).toBe(200);
      return (await res.arrayBuffer()).byteLength;
    };

    const running = await listed();
    expect(running.ended_at).toBeNull();
    expect(running.recorded).toBe(true);
    expect(running.recording_bytes).toBeGreaterThan(0);
    expect(running.recording_bytes).toBe(await download());

    // More output is written, then the session ends with the agent's restart (no count with it).
    await testEnv.BLOBS.put(`${prefix}00000001`, `${JSON.stringify([2.5, "o", "bye ✓\r\n".repeat(100)])}\n`);
    agent.send({ type: "tty-ended", session, code: 0, signal: null, reason: "exit", at: new Date().toISOString() });
    await tick(150);
    const ended = await listed();
    expect(ended.ended_at).not.toBeNull();
    expect(ended.recording_bytes).toBe(await download());
    expect(ended.recording_bytes).toBeGreaterThan(running.recording_bytes);
  });

  it("says 0 for a session that was not recorded", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    const session = "tty_notRecorded00001";
    await testEnv.DB.prepare("INSERT INTO terminal_sessions (id, instance_id, owner_id, user_id, shell, cols, rows, started_at, recorded) VALUES (?, ?, ?, ?, '/bin/bash', 80, 24, ?, 0)")
      .bind(session, agent.instanceId, owner.userId, owner.userId, new Date().toISOString())
      .run();
    const s = (await json(await call(`/api/cloud/instance/${agent.instanceId}/terminals`, { token: owner.access }))).sessions[0];
    expect(s).toMatchObject({ id: session, recorded: false, recording_bytes: 0 });
  });
});
