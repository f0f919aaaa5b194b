import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import { rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./http-client.ts";
import { startAgent, until, untilOnline } from "./agent-process.ts";
import { freshUser, type TestUser } from "./users.ts";

type Got = { headers: Record<string, string | string[] | undefined>; body: string };

/** A webhook receiver on this machine, as a user would run one: it keeps what it is sent. */
async function receiver(): Promise<{ url: string; got: Got[]; server: Server }> {
  const got: Got[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, server };
}

/** What a receiver does with X-Anchorage-Signature: HMAC-SHA256 of "<t>.<body>" with the secret, compared in constant time. */
function signatureValid(secret: string, header: string, body: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!m) return false;
  const want = createHmac("sha256", secret).update(`${m[1]}.${body}`).digest();
  return timingSafeEqual(want, Buffer.from(m[2]!, "hex")) && Math.abs(Date.now() / 1000 - Number(m[1])) < 300;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("fleet alerts (a real agent, a local webhook receiver)", () => {
  let owner: TestUser;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let current: ReturnType<typeof agent.restart>;
  let hook: Awaited<ReturnType<typeof receiver>>;
  beforeAll(async () => {
    owner = await freshUser("alerts");
    agent = await startAgent(owner.token, "name: alert-box\n");
    current = agent.run;
    await untilOnline(owner.token, [agent.instanceId]);
    hook = await receiver();
  });
  afterAll(async () => {
    current?.child.kill("SIGTERM");
    await current?.done;
    hook?.server.close();
    rmSync(agent.home, { recursive: true, force: true });
  });

  const kill = async () => {
    current.child.kill("SIGKILL");
    await current.done;
  };
  const start = async () => {
    current = agent.restart();
    await untilOnline(owner.token, [agent.instanceId]);
  };

  it("offline for 5 s: a 2 s flap sends nothing; a 10 s outage sends one firing, then one resolved, both signed", async () => {
    const created = await api("/api/alerts", { token: owner.token, body: {
      name: "alert-box down", target: { instanceIds: [agent.instanceId] }, condition: { offline: { forSeconds: 5 } }, channels: [{ type: "webhook", url: hook.url }],
    } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { id, channels } = created.body;
    const secret: string = channels[0].secret;

    // A flap: killed, and running again within 2 s.
    const flapStart = Date.now();
    await kill();
    await sleep(1000);
    await start();
    expect(Date.now() - flapStart).toBeLessThan(6000);
    await sleep(8000); // past both graces
    expect(hook.got).toEqual([]);

    // An outage of 10 s: one firing while it is down.
    await kill();
    await sleep(10_000);
    expect(hook.got.map((g) => JSON.parse(g.body).type)).toEqual(["alert.firing"]);
    const [firing] = hook.got;
    expect(firing!.headers["x-anchorage-event"]).toBe("alert.firing");
    expect(signatureValid(secret, String(firing!.headers["x-anchorage-signature"]), firing!.body)).toBe(true);
    expect(signatureValid("whsec_wrong", String(firing!.headers["x-anchorage-signature"]), firing!.body)).toBe(false);
    const body = JSON.parse(firing!.body);
    expect(body).toMatchObject({ alert: { id, name: "alert-box down" }, instance: { id: agent.instanceId, name: "alert-box" } });
    expect(body.text).toMatch(/alert-box down.*"alert-box".*offline since/);
    expect((await api(`/api/alerts/${id}`, { token: owner.token })).body.instances[0].state).toBe("firing");

    // Back: one resolved, and nothing more.
    await start();
    await until(() => hook.got.length >= 2, 15_000);
    await sleep(3000);
    expect(hook.got.map((g) => JSON.parse(g.body).type)).toEqual(["alert.firing", "alert.resolved"]);
    expect(signatureValid(secret, String(hook.got[1]!.headers["x-anchorage-signature"]), hook.got[1]!.body)).toBe(true);
    expect(JSON.parse(hook.got[1]!.body).since).toBe(body.since);

    const history = (await api(`/api/alerts/${id}/history`, { token: owner.token })).body.history as { kind: string; channel: string | null }[];
    expect(history.map((h) => h.kind).reverse()).toEqual(["firing", "delivered", "resolved", "delivered"]);
    expect((await api(`/api/alerts/${id}`, { token: owner.token })).body).toMatchObject({ state: "ok", instances: [{ instanceId: agent.instanceId, state: "ok" }] });
  }, 120_000);
});
