import { describe, expect, it } from "vitest";
import { actionSuggestions, actionWords, describeEntry, detailWords, subjectWords, type AuditContext, type AuditEntry } from "../../../frontend/src/audit/audit-words.ts";

const ctx: AuditContext = { me: "usr_me", names: new Map([["ins_box", "build-box"], ["usr_ada", "ada@example.com"]]) };
const entry = (over: Partial<AuditEntry>): AuditEntry => ({ id: 1, at: "2025-01-01T00:00:00.000Z", actor_id: "usr_me", action: "auth.login", subject_id: null, ip: null, detail: null, ...over });

describe("audit entries in words", () => {
  it("says who did what to which thing, with the detail", () => {
    const w = describeEntry(entry({ action: "cloud.proxy_paused", subject_id: "ins_box", detail: { reason: "maintenance" }, ip: "203.0.113.9" }), ctx);
    expect(w).toEqual({
      sentence: "You paused a proxy",
      subject: "instance “build-box”",
      details: [
        { label: "reason", value: "maintenance" },
        { label: "from address", value: "203.0.113.9" },
      ],
    });
  });

  it("names other people by email where known, by id otherwise, and nobody for a failed sign-in", () => {
    expect(describeEntry(entry({ actor_id: "usr_ada", action: "cloud.command" }), ctx).sentence).toBe("ada@example.com ran a command");
    expect(describeEntry(entry({ actor_id: "usr_zed", action: "cloud.command" }), ctx).sentence).toBe("usr_zed ran a command");
    expect(describeEntry(entry({ actor_id: null, action: "auth.login_failed", subject_id: "usr_me" }), ctx)).toMatchObject({ sentence: "Someone not signed in failed to sign in", subject: "your account" });
  });

  it("reads git actions by rule and leaves an unknown action as written", () => {
    expect(actionWords("cloud.git_push")).toBe("ran git push");
    expect(actionWords("cloud.git_branch_delete")).toBe("ran git branch delete");
    expect(actionWords("sync.mirror_made")).toBe("sync.mirror_made");
  });

  it("says what the file manager did, with the paths and where a deleted entry went", () => {
    expect(describeEntry(entry({ action: "cloud.file_mkdir", subject_id: "ins_box", detail: { path: "/srv/app/new" } }), ctx)).toEqual({
      sentence: "You made a folder",
      subject: "instance “build-box”",
      details: [{ label: "path", value: "/srv/app/new" }],
    });
    expect(describeEntry(entry({ action: "cloud.file_rename", detail: { from: "/srv/a.txt", to: "/srv/b.txt" } }), ctx)).toMatchObject({
      sentence: "You renamed or moved a file or folder",
      details: [
        { label: "from", value: "/srv/a.txt" },
        { label: "to", value: "/srv/b.txt" },
      ],
    });
    const deleted = describeEntry(entry({ action: "cloud.file_delete", detail: { path: "/srv/old", type: "directory", backup: "/srv/.anchorage-backups/old.20250101T000000Z" } }), ctx);
    expect(deleted.sentence).toBe("You deleted a file or folder (into the backup folder)");
    expect(deleted.details).toContainEqual({ label: "backup", value: "/srv/.anchorage-backups/old.20250101T000000Z" });
    for (const a of ["cloud.file_mkdir", "cloud.file_rename", "cloud.file_delete"]) expect(actionSuggestions()).toContain(a);
  });

  it("says what kind of thing an id is, by its prefix", () => {
    expect(subjectWords("shr_abc", ctx)).toBe("share shr_abc");
    expect(subjectWords("tok_abc", ctx)).toBe("API token tok_abc");
    expect(subjectWords("usr_ada", ctx)).toBe("user “ada@example.com”");
    expect(subjectWords("weird", ctx)).toBe("weird");
    expect(subjectWords(null, ctx)).toBeNull();
  });

  it("lists the detail: empty values left out, ids named, scopes and lists joined, token use labelled", () => {
    expect(
      detailWords(
        { reason: null, grantee: "usr_ada", permissions: ["read:cloud_instance", "proxy:cloud_instance"], scopes: [{ scope: "cloud.usr_me", actions: ["read", "command"] }], via_token: "tok_1", exit_code: 0, instances: [] },
        ctx,
      ),
    ).toEqual([
      { label: "grantee", value: "ada@example.com" },
      { label: "permissions", value: "read:cloud_instance; proxy:cloud_instance" },
      { label: "scopes", value: "cloud.usr_me: read, command" },
      { label: "with API token", value: "tok_1" },
      { label: "exit code", value: "0" },
    ]);
    expect(detailWords(null, ctx)).toEqual([]);
  });

  it("suggests each prefix before its actions, every suggestion a valid filter", () => {
    const s = actionSuggestions();
    expect(s.indexOf("cloud.")).toBeLessThan(s.indexOf("cloud.proxy_paused"));
    expect(s.indexOf("auth.")).toBeLessThan(s.indexOf("auth.login"));
    for (const a of s) expect(a).toMatch(/^[a-z0-9._-]+$/);
  });
});
