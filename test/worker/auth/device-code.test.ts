import { describe, expect, it } from "vitest";
import { call, json, register, uniqueIp } from "../helpers.ts";

const GRANT = "urn:ietf:params:oauth:grant-type:device_code";

async function start() {
  const res = await call("/auth/device/code", { body: { client_id: "anchorage-agent", scope: "anchor" } });
  expect(res.status).toBe(200);
  return json(res);
}
const poll = (device_code: string) => call("/auth/device/token", { body: { grant_type: GRANT, device_code } });

describe("device authorization (RFC 8628)", () => {
  it("issues codes, answers pending, then a session once a signed-in user approves", async () => {
    const user = await register();
    const code = await start();
    expect(code.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(code.verification_uri).toBe("http://localhost:8787/device");
    expect(code.verification_uri_complete).toBe(`http://localhost:8787/device?user_code=${code.user_code}`);
    expect(code).toMatchObject({ expires_in: 300, interval: 5 });

    const pending = await poll(code.device_code);
    expect(pending.status).toBe(400);
    expect(await json(pending)).toMatchObject({ error: "authorization_pending" });

    // The person types the code in any case and with or without the dash.
    const typed = code.user_code.replace("-", "").toLowerCase();
    const info = await call(`/auth/device/verify?user_code=${typed}`, { token: user.access });
    expect(await json(info)).toMatchObject({ client_id: "anchorage-agent", scope: "anchor", user_code: code.user_code });
    expect((await call("/auth/device/approve", { token: user.access, body: { user_code: typed, approve: true } })).status).toBe(200);

    const granted = await poll(code.device_code);
    expect(granted.status).toBe(200);
    const tokens = await json(granted);
    const me = await json(await call("/auth/user", { token: tokens.access_token }));
    expect(me.id).toBe(user.userId);
    // Single use: the same device code cannot be exchanged twice.
    expect(await json(await poll(code.device_code))).toMatchObject({ error: "invalid_grant" });
  });

  it("tells a client that polls too fast to slow down", async () => {
    const code = await start();
    await poll(code.device_code);
    expect(await json(await poll(code.device_code))).toMatchObject({ error: "slow_down" });
  });

  it("answers access_denied when the person denies", async () => {
    const user = await register();
    const code = await start();
    await call("/auth/device/approve", { token: user.access, body: { user_code: code.user_code, approve: false } });
    expect(await json(await poll(code.device_code))).toMatchObject({ error: "access_denied" });
  });

  it("lets a code be decided once only", async () => {
    const a = await register();
    const b = await register();
    const code = await start();
    expect((await call("/auth/device/approve", { token: a.access, body: { user_code: code.user_code, approve: true } })).status).toBe(200);
    // A second person (an attacker who saw the code) cannot take the session over.
    expect((await call("/auth/device/approve", { token: b.access, body: { user_code: code.user_code, approve: true } })).status).toBe(404);
    const tokens = await json(await poll(code.device_code));
    expect((await json(await call("/auth/user", { token: tokens.access_token }))).id).toBe(a.userId);
  });

  it("needs a signed-in user to approve, and refuses malformed codes", async () => {
    const code = await start();
    expect((await call("/auth/device/approve", { body: { user_code: code.user_code, approve: true } })).status).toBe(401);
    const user = await register();
    const bad = await call("/auth/device/approve", { token: user.access, body: { user_code: "AEIO-UAEI", approve: true } });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.fields[0].path).toBe("user_code");
  });

  it("limits how many codes one user may try (guessing)", async () => {
    const user = await register();
    let last = 0;
    for (let i = 0; i < 11; i++) last = (await call("/auth/device/verify?user_code=BCDF-GHJK", { token: user.access, ip: uniqueIp() })).status;
    expect(last).toBe(429);
  });

  it("accepts RFC 6749 form bodies and answers unsupported grant types", async () => {
    const form = await call("/auth/device/code", { rawBody: "client_id=cli&scope=x", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(form.status).toBe(200);
    const bad = await call("/auth/device/token", { rawBody: "grant_type=password&device_code=x", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(await json(bad)).toMatchObject({ error: "unsupported_grant_type" });
  });
});
