import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { openDb } from "../../../core/db/client.ts";
import { webhookDeliveries } from "../../../core/db/schema.ts";
import { call, json, register, testEnv } from "../helpers.ts";
import { createHook, Receivers, signatureValid } from "./webhook-fixtures.ts";

const receivers = new Receivers();
beforeAll(() => receivers.install());
afterAll(() => receivers.restore());

describe("through the real queue", () => {
  it("an API token created reaches its owner's webhook, signed, with no secret in it", async () => {
    const u = await register();
    const r = receivers.add();
    const hook = await createHook(u, r.url, ["auth.token.*"]);
    const res = await call("/api/tokens", { token: u.access, body: { name: "ci", scopes: [{ scope: `cloud.${u.userId}`, actions: ["read"] }] } });
    expect(res.status).toBe(201);
    const token = await json(res);

    // The EVENTS binding → the consumer fans it out → a delivery message on the same queue → the receiver.
    await vi.waitFor(() => expect(r.got()).toHaveLength(1), { timeout: 15_000, interval: 100 });
    const [got] = r.got();
    expect(got!.headers.get("x-anchorage-event")).toBe(`auth.token.${token.id}.created`);
    expect((await signatureValid(hook.secret, got!.headers.get("x-anchorage-signature"), got!.body)).valid).toBe(true);
    expect(JSON.parse(got!.body)).toMatchObject({ type: `auth.token.${token.id}.created`, actor_id: u.userId, subject_id: token.id, data: { action: "auth.token_created", name: "ci" } });
    expect(got!.body).not.toContain(token.token);

    await vi.waitFor(async () => {
      const rows = await openDb(testEnv.DB).select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, hook.id)).all();
      expect(rows).toEqual([expect.objectContaining({ id: got!.headers.get("x-anchorage-delivery"), state: "delivered", attempts: 1 })]);
    }, { timeout: 5_000, interval: 100 });
  });
});
