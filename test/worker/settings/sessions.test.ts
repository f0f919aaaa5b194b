import { describe, expect, it } from "vitest";
import { call, json, login, register } from "../helpers.ts";

describe("your sessions", () => {
  it("lists them, marks the current one, and ends another at once", async () => {
    const a = await register();
    const b = await login(a.email);
    const list = await json(await call("/api/settings/sessions", { token: a.access }));
    expect(list.sessions.map((s: { id: string }) => s.id).sort()).toEqual([a.sessionId, b.sessionId].sort());
    expect(list.sessions.find((s: { id: string }) => s.id === a.sessionId).current).toBe(true);

    expect((await call(`/api/settings/sessions/${b.sessionId}`, { method: "DELETE", token: a.access })).status).toBe(200);
    expect((await call("/auth/user", { token: b.access })).status).toBe(401);
    expect((await call("/auth/user", { token: a.access })).status).toBe(200);
  });

  it("cannot see or end someone else's session", async () => {
    const a = await register();
    const stranger = await register();
    const res = await call(`/api/settings/sessions/${a.sessionId}`, { method: "DELETE", token: stranger.access });
    expect(res.status).toBe(404);
    expect((await call("/auth/user", { token: a.access })).status).toBe(200);
    const theirs = await json(await call("/api/settings/sessions", { token: stranger.access }));
    expect(theirs.sessions.map((s: { id: string }) => s.id)).toEqual([stranger.sessionId]);
  });

  it("updates the profile", async () => {
    const a = await register();
    const res = await call("/api/settings/profile", { method: "PUT", token: a.access, body: { name: "  Hedy  " } });
    expect(res.status).toBe(200);
    expect((await json(res)).name).toBe("Hedy");
  });
});
