import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { shareSaveRequestSchema } from "@anchorage/common";
import {
  createBody,
  describePermissions,
  draftFromShare,
  draftProblems,
  granteeWords,
  fromLocalInput,
  newShareDraft,
  setPermission,
  shareableActions,
  shareState,
  toLocalInput,
  updateBody,
  type Share,
  type ShareableAction,
} from "../../../frontend/src/shares/share-draft.ts";

const READ = "read:cloud_instance";
const share = (over: Partial<Share> = {}): Share => ({
  id: "shr_1",
  owner_id: "usr_me",
  grantee_id: "usr_ada",
  grantee_email: "ada@example.com",
  instance_id: "ins_1",
  permissions: [READ, "proxy:cloud_instance"],
  enabled: true,
  expires_at: null,
  active: true,
  created_at: "2025-01-01T00:00:00.000Z",
  updated_at: "2025-01-01T00:00:00.000Z",
  ...over,
});

describe("editing a share's permissions", () => {
  it("ticks “See it” with any other permission, since an instance its holder cannot see is not listed", () => {
    expect(setPermission([], "terminal:cloud_instance", true)).toEqual([READ, "terminal:cloud_instance"]);
  });

  it("clears every permission when “See it” is unticked, and only the one otherwise", () => {
    expect(setPermission([READ, "git:cloud_instance", "proxy:cloud_instance"], READ, false)).toEqual([]);
    expect(setPermission([READ, "git:cloud_instance", "proxy:cloud_instance"], "git:cloud_instance", false)).toEqual([READ, "proxy:cloud_instance"]);
  });

  it("keeps the catalog's order, no repeats, and drops names the server would refuse", () => {
    expect(setPermission(["proxy:cloud_instance", "manage:cloud_instance", READ, READ], "command:cloud_instance", true)).toEqual([READ, "command:cloud_instance", "proxy:cloud_instance"]);
  });

  it("whatever is ticked and unticked, the result holds “See it” when it holds anything, and the server accepts it", () => {
    const step = fc.record({ action: fc.constantFrom(...shareableActions), on: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        let perms: ShareableAction[] = [READ];
        for (const s of steps) perms = setPermission(perms, s.action, s.on);
        if (perms.length) {
          expect(perms).toContain(READ);
          const body = createBody({ ...newShareDraft("ins_1"), email: "ada@example.com", permissions: perms });
          expect(shareSaveRequestSchema.safeParse(body).success).toBe(true);
        }
      }),
    );
  });
});

describe("permissions and state in words", () => {
  it("names each permission, or says everything", () => {
    expect(describePermissions([READ, "proxy:cloud_instance"])).toBe("See it, Proxy");
    expect(describePermissions([...shareableActions])).toMatch(/^Everything/);
    expect(describePermissions(["read:cloud_instance", "future:thing"])).toBe("See it, future:thing");
    expect(describePermissions([])).toBe("Nothing");
  });

  it("says active, disabled or expired", () => {
    const now = Date.parse("2025-06-01T00:00:00Z");
    expect(shareState(share(), now).label).toBe("Active");
    expect(shareState(share({ enabled: false, active: false }), now).label).toBe("Disabled");
    expect(shareState(share({ expires_at: "2025-05-01T00:00:00Z", active: false }), now)).toEqual({ label: "Expired", tone: "bad" });
  });
});

describe("the expiry as the browser's local time", () => {
  it("round-trips a datetime-local value to the minute", () => {
    const iso = fromLocalInput("2031-03-04T05:06")!;
    expect(new Date(iso).getTime()).toBe(new Date(2031, 2, 4, 5, 6).getTime());
    expect(toLocalInput(iso)).toBe("2031-03-04T05:06");
  });

  it("refuses what is not a date and time, and a day that does not exist", () => {
    expect(fromLocalInput("")).toBeNull();
    expect(fromLocalInput("tomorrow")).toBeNull();
    expect(fromLocalInput("2031-02-31T10:00")).toBeNull();
    expect(toLocalInput(null)).toBe("");
  });
});

describe("what the form refuses before sending", () => {
  const now = Date.parse("2030-01-01T00:00:00Z");
  it("a new share without an email, permissions, or with an expiry in the past", () => {
    const problems = draftProblems({ ...newShareDraft(), permissions: [], expires: "2020-01-01T00:00" }, undefined, now);
    expect(Object.keys(problems).sort()).toEqual(["expires_at", "grantee_email", "permissions"]);
  });

  it("accepts a good draft", () => {
    expect(draftProblems({ ...newShareDraft(), email: "ada@example.com", expires: "2031-01-01T00:00" }, undefined, now)).toEqual({});
  });

  it("lets an expired share be edited without moving its expiry (to disable it, say)", () => {
    const expired = share({ expires_at: "2020-01-01T00:00:00.000Z", active: false });
    const draft = { ...draftFromShare(expired), enabled: false };
    expect(draftProblems(draft, expired, now)).toEqual({});
    expect(draftProblems({ ...draft, expires: "2021-01-01T00:00" }, expired, now).expires_at).toMatch(/future/);
  });
});

describe("the bodies sent", () => {
  it("creates with the email trimmed, one instance or all (null), and no expiry as null", () => {
    expect(createBody({ ...newShareDraft(), email: " ada@example.com ", permissions: [READ] })).toEqual({ grantee_email: "ada@example.com", instance_id: null, permissions: [READ], expires_at: null, enabled: true });
    expect(createBody({ ...newShareDraft("ins_9"), email: "a@b.co" }).instance_id).toBe("ins_9");
  });

  it("edits only permissions, expiry and enabled, always sending enabled, and the stored expiry untouched when unchanged", () => {
    const s = share({ expires_at: "2031-05-06T07:08:09.123Z" });
    const body = updateBody(s, { ...draftFromShare(s), enabled: false });
    expect(body).toEqual({ id: "shr_1", permissions: [READ, "proxy:cloud_instance"], expires_at: "2031-05-06T07:08:09.123Z", enabled: false });
    expect(shareSaveRequestSchema.safeParse(body).success).toBe(true);
    expect(updateBody(s, { ...draftFromShare(s), expires: "" }).expires_at).toBeNull();
  });
});

describe("sharing with a team", () => {
  it("sends the team instead of an email, needs no email, and the server accepts the body", () => {
    const d = { ...newShareDraft("ins_1"), teamId: "tea_1" };
    expect(draftProblems(d)).toEqual({});
    const body = createBody(d);
    expect(body).toMatchObject({ team_id: "tea_1", instance_id: "ins_1" });
    expect(body).not.toHaveProperty("grantee_email");
    expect(shareSaveRequestSchema.safeParse(body).success).toBe(true);
    // Without a team the email is asked for, as before.
    expect(draftProblems(newShareDraft()).grantee_email).toMatch(/email/);
  });

  it("names a team share's grantee by the team, and a person's by email", () => {
    expect(granteeWords(share({ grantee_id: undefined, grantee_email: undefined, team_id: "tea_1", team_name: "ops" }))).toBe("the team “ops”");
    expect(granteeWords(share())).toBe("ada@example.com");
    expect(draftFromShare(share({ team_id: "tea_1", team_name: "ops" })).teamId).toBe("tea_1");
  });
});
