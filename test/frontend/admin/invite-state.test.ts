import { describe, expect, it } from "vitest";
import { DEFAULT_INVITE_HOURS, INVITE_LIFETIMES, inviteState } from "../../../frontend/src/admin/invite-state.ts";

const now = Date.parse("2026-05-01T12:00:00Z");

describe("an invite's state", () => {
  it("is open until it expires, expired after, and used once used (even if since expired)", () => {
    expect(inviteState({ used_at: null, expires_at: "2026-05-01T12:00:01Z" }, now)).toEqual({ label: "Open", tone: "ok" });
    expect(inviteState({ used_at: null, expires_at: "2026-05-01T12:00:00Z" }, now)).toEqual({ label: "Expired", tone: "bad" });
    expect(inviteState({ used_at: "2026-04-30T10:00:00Z", expires_at: "2026-04-30T12:00:00Z" }, now)).toEqual({ label: "Used", tone: "neutral" });
  });

  it("offers only lifetimes the server takes (1 to 720 hours), its default among them", () => {
    for (const l of INVITE_LIFETIMES) expect(l.hours >= 1 && l.hours <= 720).toBe(true);
    expect(DEFAULT_INVITE_HOURS).toBe(72);
    expect(INVITE_LIFETIMES.map((l) => l.hours)).toContain(DEFAULT_INVITE_HOURS);
  });
});
