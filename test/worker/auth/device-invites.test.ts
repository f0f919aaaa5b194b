import { describe, expect, it } from "vitest";
import { call, errorOf, json, register, seedUser, testEnv, uniqueIp, type Session } from "../helpers.ts";
import { challengeKeyHash } from "../../../src/auth/challenges/challenge-store.ts";
import { DEVICE_INVITE_LIMITS } from "../../../src/auth/device-invite/device-invite-routes.ts";
import { newInviteCode } from "../../../src/auth/device-invite/invite-codes.ts";

const create = (s: Session) => call("/auth/device-invite/create", { method: "POST", token: s.access });
const verify = (code: string, ip = uniqueIp()) => call("/auth/device-invite/verify", { body: { code, client_name: "test terminal" }, ip });

async function newCode(s: Session) {
  const res = await create(s);
  expect(res.status).toBe(201);
  return json<{ code: string; expires_at: string; expires_in: number }>(res);
}

/** A code that is not live (not the one just made), so a guess with it is surely wrong. */
const otherThan = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

describe("device invite codes", () => {
  it("are six digits, valid five minutes, and sign a terminal in as their creator", async () => {
    const user = await register();
    const before = Date.now();
    const invite = await newCode(user);
    expect(invite.code).toMatch(/^\d{6}$/);
    expect(invite.expires_in).toBe(300);
    const life = Date.parse(invite.expires_at) - before;
    expect(life).toBeGreaterThan(295_000);
    expect(life).toBeLessThanOrEqual(301_000);

    const res = await verify(invite.code);
    expect(res.status).toBe(200);
    const session = await json(res);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(session.user.id).toBe(user.userId);
    const sessions = await json(await call("/api/settings/sessions", { token: session.tokens.access_token }));
    expect(sessions.sessions.find((s: { current: boolean }) => s.current).provider).toBe("device-invite");
  });

  it("work once: the second terminal with the same code is refused, even at the same moment", async () => {
    const invite = await newCode(await register());
    const results = await Promise.all([verify(invite.code), verify(invite.code), verify(invite.code)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401]);
    expect((await verify(invite.code)).status).toBe(401);
  });

  it("refuse an expired code", async () => {
    const invite = await newCode(await register());
    const hash = await challengeKeyHash("device-invite", invite.code);
    await testEnv.DB.prepare("UPDATE auth_challenges SET expires_at = ?1 WHERE key_hash = ?2").bind(new Date(Date.now() - 1000).toISOString(), hash).run();
    const res = await verify(invite.code);
    expect(res.status).toBe(401);
    expect(errorOf(await json(res)).message).toMatch(/wrong, expired or already used/);
  });

  it("replace the creator's earlier unused code", async () => {
    const user = await register();
    const first = await newCode(user);
    const second = await newCode(user);
    expect((await verify(first.code)).status).toBe(401);
    expect((await verify(second.code)).status).toBe(200);
  });

  it("take spaces or a dash as typed, and refuse what is not six digits", async () => {
    const invite = await newCode(await register());
    expect((await verify(`${invite.code.slice(0, 3)} ${invite.code.slice(3)}`)).status).toBe(200);
    const bad = await verify("12345");
    expect(bad.status).toBe(400);
    expect(errorOf(await json(bad)).fields![0]!.path).toBe("code");
  });

  it("are made only by a signed-in person, never with an API token", async () => {
    expect((await call("/auth/device-invite/create", { method: "POST" })).status).toBe(401);
    const user = await seedUser();
    const token = await call("/api/tokens", { token: user.access, body: { name: "ci", scopes: [{ scope: `cloud.${user.userId}.instances`, actions: ["read"] }] } });
    expect(token.status).toBe(201);
    expect((await call("/auth/device-invite/create", { method: "POST", token: (await json(token)).token })).status).toBe(403);
  });

  it("draw every digit position evenly enough (no modulo bias toward low codes)", () => {
    const codes = Array.from({ length: 4000 }, newInviteCode);
    expect(codes.every((c) => /^\d{6}$/.test(c))).toBe(true);
    const low = codes.filter((c) => Number(c) < 500_000).length;
    expect(low).toBeGreaterThan(1800);
    expect(low).toBeLessThan(2200);
  });
});

describe("guessing device codes meets the limiter", () => {
  it("per address: wrong guesses are counted, and then even the right code is refused", async () => {
    const invite = await newCode(await register());
    const ip = uniqueIp();
    for (let i = 0; i < DEVICE_INVITE_LIMITS.verifyPerIp.limit; i++) {
      expect((await verify(otherThan(invite.code), ip)).status).toBe(401);
    }
    const blocked = await verify(invite.code, ip);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    // The refusal came before the code was looked at: it is still live for its rightful terminal.
    expect((await verify(invite.code)).status).toBe(200);
  });

  // Last in this file: it uses up the deployment-wide budget that the tests above draw on.
  it("deployment-wide: guesses from many addresses stop too, the right code included", async () => {
    const invite = await newCode(await register());
    const statuses: number[] = [];
    // Addresses from a range no other test uses, each once: a 429 here can only be the deployment-wide one
    // (random addresses could repeat one that an earlier test had already spent).
    const distinct = (i: number) => `100.64.${i >> 8}.${i & 255}`;
    for (let i = 0; i < DEVICE_INVITE_LIMITS.verifyEverywhere.limit + 1; i++) {
      const status = (await verify(otherThan(invite.code), distinct(i))).status;
      statuses.push(status);
      if (status === 429) break;
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((s) => s === 401)).toBe(true);
    const right = await verify(invite.code, distinct(1000));
    expect(right.status).toBe(429);
    expect(errorOf(await json(right)).code).toBe("E-RATE-LIMIT");
  });
});
