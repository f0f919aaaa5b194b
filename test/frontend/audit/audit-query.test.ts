import { describe, expect, it } from "vitest";
import { auditQuery, emptyFilters, endOfDay, startOfDay } from "../../../frontend/src/audit/audit-query.ts";

const params = (r: ReturnType<typeof auditQuery>) => {
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return Object.fromEntries(new URLSearchParams(r.query.slice(1)));
};

describe("audit filters as a query", () => {
  it("with no filters, asks for the first page only", () => {
    expect(auditQuery(emptyFilters())).toEqual({ ok: true, query: "?limit=50" });
  });

  it("sends the action prefix lowercased and the cursor of the next page", () => {
    expect(params(auditQuery({ ...emptyFilters(), action: " Cloud.Proxy " }, { cursor: 812, limit: 20 }))).toEqual({ action: "cloud.proxy", cursor: "812", limit: "20" });
  });

  it("refuses an action the server would refuse, beside the field", () => {
    expect(auditQuery({ ...emptyFilters(), action: "auth.%" })).toEqual({ ok: false, problems: { action: expect.stringMatching(/Letters, digits/) } });
    expect(auditQuery({ ...emptyFilters(), action: "a".repeat(101) })).toMatchObject({ ok: false, problems: { action: "At most 100 characters." } });
  });

  it("turns days into the whole of each day in local time (until is inclusive)", () => {
    const p = params(auditQuery({ ...emptyFilters(), since: "2025-03-01", until: "2025-03-02" }));
    expect(p.since).toBe(new Date(2025, 2, 1).toISOString());
    expect(p.until).toBe(new Date(new Date(2025, 2, 3).getTime() - 1).toISOString());
  });

  it("refuses a last day before the first, and a date that does not exist", () => {
    expect(auditQuery({ ...emptyFilters(), since: "2025-03-02", until: "2025-03-01" })).toMatchObject({ ok: false, problems: { until: "The last day is before the first." } });
    expect(startOfDay("2025-02-30")).toBeNull();
    expect(endOfDay("yesterday")).toBeNull();
  });

  it("takes an actor or subject as an id, or an email the page knows (admins)", () => {
    const resolveEmail = (e: string) => (e === "ada@example.com" ? "usr_ada" : undefined);
    expect(params(auditQuery({ ...emptyFilters(), actor: "Ada@Example.com", subject: "ins_box" }, { resolveEmail }))).toEqual({ actor_id: "usr_ada", subject_id: "ins_box", limit: "50" });
    expect(auditQuery({ ...emptyFilters(), actor: "nobody@example.com" }, { resolveEmail })).toMatchObject({ ok: false, problems: { actor: "No user has this email address." } });
  });
});
