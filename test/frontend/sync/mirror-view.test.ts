import { describe, expect, it } from "vitest";
import { mirrorSaveRequestSchema, type Mirror, type MirrorEvent } from "@anchorage/common";
import { applyMirrorEvent, intervalWords, mirrorBase, mirrorSaveBody, mirrorStateNow } from "../../../frontend/src/sync/mirror-view.ts";

const T0 = Date.parse("2026-11-26T10:00:00.000Z");
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();
const mirror = (over: Partial<Mirror> = {}): Mirror => ({
  id: "mir_abcdefgh12",
  direction: "push",
  name: "site → backup",
  ownerId: "usr_1",
  sourceInstanceId: "ins_a",
  destinationInstanceId: "ins_b",
  sourcePath: "/srv/site",
  targetPath: "/backup/site",
  options: { exclude: [], delete: false },
  intervalSeconds: 300,
  autoSync: false,
  state: "in_sync",
  last_check_at: iso(0),
  last_sync_at: null,
  last_summary: { identical: 3, different: 0, new: 0, only_destination: 0, destination_newer: 0 },
  last_error: null,
  last_error_at: null,
  last_operation_id: null,
  created_at: iso(-3600),
  updated_at: iso(0),
  ...over,
});
const event = (over: Partial<MirrorEvent> = {}): MirrorEvent => ({
  type: "cloud:mirror",
  instanceId: "ins_a",
  destinationInstanceId: "ins_b",
  mirrorId: "mir_abcdefgh12",
  direction: "push",
  state: "needs_sync",
  at: iso(30),
  last_check_at: iso(30),
  last_sync_at: null,
  ...over,
});

describe("a mirror's state on screen", () => {
  it("is the stored one while checked within twice its interval, stale after, whatever was stored", () => {
    expect(mirrorStateNow(mirror(), T0 + 599_000)).toEqual({ state: "in_sync", label: "In sync", tone: "ok" });
    expect(mirrorStateNow(mirror(), T0 + 601_000)).toEqual({ state: "stale", label: "Stale", tone: "bad" });
    expect(mirrorStateNow(mirror({ last_check_at: null, state: "needs_sync" }), T0).state).toBe("stale");
    expect(mirrorStateNow(mirror({ state: "syncing" }), T0 + 10 * 3600_000).state).toBe("syncing");
    expect(mirrorStateNow(mirror({ state: "error", last_check_at: null }), T0).tone).toBe("bad");
  });
});

describe("cloud:mirror events", () => {
  it("move a listed mirror's state and times, and keep the sync they started", () => {
    const next = applyMirrorEvent([mirror(), mirror({ id: "mir_other12345" })], event({ state: "syncing", operationId: "ins_a.op12345678" }));
    expect(next).not.toBe("reload");
    const [m, other] = next as Mirror[];
    expect(m).toMatchObject({ state: "syncing", last_check_at: iso(30), last_operation_id: "ins_a.op12345678", updated_at: iso(30) });
    expect(other).toEqual(mirror({ id: "mir_other12345" }));
    const synced = applyMirrorEvent(next as Mirror[], event({ state: "in_sync", last_sync_at: iso(40), at: iso(40) })) as Mirror[];
    expect(synced[0]).toMatchObject({ state: "in_sync", last_sync_at: iso(40), last_operation_id: "ins_a.op12345678" });
  });

  it("carry an error while there is one and clear it after", () => {
    const failed = applyMirrorEvent([mirror()], event({ state: "error", last_error: "destination ins_b: the instance is offline" })) as Mirror[];
    expect(failed[0]!.last_error).toMatch(/offline/);
    expect((applyMirrorEvent(failed, event({ state: "in_sync" })) as Mirror[])[0]!.last_error).toBeNull();
  });

  it("remove a deleted mirror, and ask for the list again for one it does not hold", () => {
    expect(applyMirrorEvent([mirror()], event({ deleted: true }))).toEqual([]);
    expect(applyMirrorEvent([mirror()], event({ deleted: true, mirrorId: "mir_unknown1234" }))).toEqual([mirror()]);
    expect(applyMirrorEvent([mirror()], event({ mirrorId: "mir_new12345678" }))).toBe("reload");
  });
});

describe("saving a mirror of the chosen folders", () => {
  const req = { sourceInstanceId: "ins_a", destinationInstanceId: "ins_b", sourcePath: "/srv/site", targetPath: "/backup/site", options: { exclude: ["*.log"], delete: true } };

  it("sends a body the server's own schema accepts, a blank name left to its default", () => {
    const body = mirrorSaveBody(req, { name: "  ", direction: "pull", intervalSeconds: 900, autoSync: true });
    expect(body).not.toHaveProperty("name");
    expect(mirrorSaveRequestSchema.parse(body)).toEqual({ ...req, intervalSeconds: 900, autoSync: true });
    expect(mirrorSaveBody(req, { name: " site ", direction: "push", intervalSeconds: 60, autoSync: false }).name).toBe("site");
  });

  it("goes to the direction's own routes", () => {
    expect(mirrorBase("push")).toBe("/api/cloud/mirrors");
    expect(mirrorBase("pull")).toBe("/api/cloud/pulls");
  });

  it("says its interval in words", () => {
    expect([60, 300, 3600, 7200, 86_400, 172_800, 90].map(intervalWords)).toEqual(["every minute", "every 5 min", "every hour", "every 2 h", "every day", "every 2 days", "every 90 s"]);
  });
});
