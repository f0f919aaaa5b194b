import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorOf, json, testEnv } from "../helpers.ts";
import { FakeAgent, until } from "./fake-agent.ts";
import { accepted, busyProxy, connectRelay, serveOn, visit } from "./proxied-app.ts";
import { pickRelay, proxyObject } from "../../../src/cloud/proxy/pick-relay.ts";

describe("spreading a busy proxy over relay objects", () => {
  it("picks every socket of the proxy, uniformly, and only the InstanceDO for a proxy without relays", () => {
    expect(pickRelay(1, () => 0.999)).toBe(0);
    expect(pickRelay(3, () => 0)).toBe(0);
    expect(pickRelay(3, () => 0.5)).toBe(1);
    expect(pickRelay(3, () => 0.9999)).toBe(2);
    expect(pickRelay(3, () => 1)).toBe(2); // never past the last socket
    const seen = new Set(Array.from({ length: 400 }, () => pickRelay(8)));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("serves requests on every connected socket, each answered on the socket it went to", async () => {
    const { agent, slug } = await busyProxy(3);
    serveOn(agent.ws!, "0");
    serveOn(accepted(await connectRelay(agent, 1)), "1");
    serveOn(accepted(await connectRelay(agent, 2)), "2");
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => visit(slug, i)));
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.body).toBe(a.relay); // the socket that answered is the one the header names
    }
    expect(new Set(answers.map((a) => a.relay))).toEqual(new Set(["0", "1", "2"]));
  });

  it("falls back to the agent's own socket for a relay not connected, and fails only a dropped relay's exchanges", async () => {
    const { agent, slug } = await busyProxy(3);
    serveOn(agent.ws!, "0");
    const relay1 = accepted(await connectRelay(agent, 1));
    const held = serveOn(relay1, "1", { hold: true }); // relay 2 never connects
    const pending = Array.from({ length: 40 }, (_, i) => visit(slug, i));
    // Everything not on relay 1 (relay 2's share included) is answered by the InstanceDO.
    await until(async () => held.length > 0 && held.length + (await Promise.all(pending.map((p) => Promise.race([p, null])))).filter(Boolean).length === 40);
    relay1.close(1000, "gone");
    const answers = await Promise.all(pending);
    const failed = answers.filter((a) => a.status !== 200);
    expect(failed.length).toBe(held.length);
    for (const a of failed) {
      expect(a.status).toBe(503);
      expect(a.relay).toBe("1");
      expect(errorOf(JSON.parse(a.body)).code).toBe("E-INSTANCE-OFFLINE");
    }
    expect(answers.filter((a) => a.status === 200).every((a) => a.relay === "0" && a.body === "0")).toBe(true);
    // With relay 1 gone too, every new request is the InstanceDO's.
    const after = await Promise.all(Array.from({ length: 20 }, (_, i) => visit(slug, i)));
    expect(after.every((a) => a.status === 200 && a.relay === "0")).toBe(true);
  });

  it("answers 503 when neither the relay nor the agent's own socket is connected", async () => {
    const { agent, slug } = await busyProxy(4);
    agent.ws!.close(1000, "bye");
    await until(async () => !(await testEnv.INSTANCE.get(testEnv.INSTANCE.idFromName(agent.instanceId)).live()).online);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => visit(slug, i)));
    expect(answers.every((a) => a.status === 503 && errorOf(JSON.parse(a.body)).code === "E-INSTANCE-OFFLINE")).toBe(true);
  });

  it("refuses a relay socket without the instance's own signed challenge, with a spent one, out of range, or before the agent connects", async () => {
    const { owner, agent } = await busyProxy(3);
    const stranger = await FakeAgent.register(owner, "other");
    // Signed with another instance's key, under this instance's name.
    const forged = await connectRelay(agent, 1, await stranger.proof(await agent.nonce(), { iss: agent.instanceId }));
    expect(forged.status).toBe(401);
    // One challenge, one socket: the proof that opened relay 1 cannot open relay 2.
    const proof = await agent.proof(await agent.nonce());
    accepted(await connectRelay(agent, 1, proof));
    const replay = await connectRelay(agent, 2, proof);
    expect(replay.status).toBe(401);
    expect(errorOf(await json(replay)).code).toBe("E-AUTH-UNAUTH");
    for (const bad of ["0", "8", "x"]) expect((await connectRelay(agent, bad)).status).toBe(400);
    // A relay joins a connected agent: the stranger's own socket is not up.
    const early = await connectRelay(stranger, 1);
    expect(early.status).toBe(503);
    expect(errorOf(await json(early)).code).toBe("E-INSTANCE-OFFLINE");
  });

  it("closes a relay socket whose pings stopped at the heartbeat deadline, and keeps one that pings", async () => {
    const { agent } = await busyProxy(3);
    const silent = accepted(await connectRelay(agent, 1));
    const pinging = accepted(await connectRelay(agent, 2));
    const codes: Record<string, number> = {};
    silent.addEventListener("close", (e) => {
      codes.silent = e.code;
    });
    pinging.addEventListener("close", (e) => {
      codes.pinging = e.code;
    });
    const pong = new Promise((r) => pinging.addEventListener("message", (e) => e.data === '{"type":"pong"}' && r(null)));
    pinging.send('{"type":"ping"}');
    await pong;
    // Both connected long ago; only relay 2 has pinged since.
    for (const relay of [1, 2]) {
      const stub = proxyObject(testEnv, agent.instanceId, relay);
      await runInDurableObject(stub, async (_i, state) => {
        for (const ws of state.getWebSockets("relay")) ws.serializeAttachment({ ...ws.deserializeAttachment(), connectedAt: Date.now() - 60_000 });
      });
      await runDurableObjectAlarm(stub);
    }
    await until(() => codes.silent === 4003);
    expect(codes.pinging).toBeUndefined();
  });

  it("carries streams only: a control message on a relay socket closes it, and deleting the instance closes its relays", async () => {
    const { owner, agent } = await busyProxy(3);
    const relay1 = accepted(await connectRelay(agent, 1));
    let closed1: number | null = null;
    relay1.addEventListener("close", (e) => {
      closed1 = e.code;
    });
    relay1.send(JSON.stringify(agent.helloMessage()));
    await until(() => closed1 === 4002);

    const relay2 = accepted(await connectRelay(agent, 2));
    let closed2: number | null = null;
    relay2.addEventListener("close", (e) => {
      closed2 = e.code;
    });
    expect((await call(`/api/cloud/instance/${agent.instanceId}`, { method: "DELETE", token: owner.access })).status).toBe(200);
    await until(() => closed2 === 4004);
  });
});
