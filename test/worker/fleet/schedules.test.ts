import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, errorOf, json, register, testEnv, type Session } from "../helpers.ts";
import { FakeAgent, until } from "../cloud/fake-agent.ts";
import { nextDue, cronProblem } from "../../../core/fleet/schedule-time.ts";

const ok = { exit_code: 0, signal: null, timed_out: false, duration_ms: 3, stdout_tail: "done\n", stderr_tail: "" };
const create = (s: Session, body: unknown) => call("/api/cloud/schedules", { token: s.access, body });
const scheduleStub = (id: string) => testEnv.SCHEDULE.get(testEnv.SCHEDULE.idFromName(id));
const runsOf = async (s: Session, id: string) => (await json(await call(`/api/cloud/schedules/${id}/runs`, { token: s.access }))).runs as any[];

async function taggedAgent(owner: Session, tag: string) {
  const a = await FakeAgent.register(owner, tag);
  await a.connect();
  await until(async () => (await testEnv.INSTANCE.get(testEnv.INSTANCE.idFromName(a.instanceId)).live()).hello);
  await call(`/api/cloud/instances/${a.instanceId}`, { method: "PATCH", token: owner.access, body: { tags: [tag] } });
  return a;
}

describe("schedules", () => {
  it("refuses a wrong cron or interval and a target matching nothing with a 400 naming the field, a script not in the library with a 404, and stores nothing", async () => {
    const owner = await register();
    await taggedAgent(owner, "s");
    const base = { name: "n", target: { tag: "s" }, command: "disk" };
    const cases: [unknown, string][] = [
      [{ ...base, cron: "61 * * * *" }, "cron"],
      [{ ...base, cron: "* * *" }, "cron"],
      [{ ...base, cron: "*/5 * * * * *" }, "cron"], // a seconds field
      [{ ...base, cron: "0 0 31 2 *" }, "cron"], // never due
      [{ ...base, intervalSeconds: 5 }, "intervalSeconds"],
      [{ ...base, intervalSeconds: 10.5 }, "intervalSeconds"],
      [{ ...base }, "cron"],
      [{ ...base, cron: "* * * * *", intervalSeconds: 60 }, "cron"],
      [{ ...base, name: "", intervalSeconds: 60 }, "name"],
      [{ ...base, target: { tag: "none" }, intervalSeconds: 60 }, "target.tag"],
    ];
    for (const [body, field] of cases) {
      const res = await create(owner, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const err = errorOf(await json(res));
      expect(err.fields?.map((f) => f.path), JSON.stringify(body)).toContain(field);
    }
    expect((await create(owner, { name: "n", target: { tag: "s" }, script: "scr_1", intervalSeconds: 60 })).status).toBe(404);
    expect((await json(await call("/api/cloud/schedules", { token: owner.access }))).schedules).toEqual([]);
  });

  it("an API token may not create or list schedules; another tenant's schedule is not found", async () => {
    const owner = await register();
    const stranger = await register();
    await taggedAgent(owner, "x");
    const res = await create(owner, { name: "every minute", target: { tag: "x" }, command: "disk", cron: "* * * * *" });
    expect(res.status).toBe(201);
    const s = await json(res);
    expect(s).toMatchObject({ enabled: true, cron: "* * * * *", intervalSeconds: null });
    expect(Date.parse(s.next_run_at)).toBeGreaterThan(Date.now());
    for (const [method, path, body] of [["GET", `/api/cloud/schedules/${s.id}`], ["GET", `/api/cloud/schedules/${s.id}/runs`], ["PATCH", `/api/cloud/schedules/${s.id}`, { enabled: false }], ["DELETE", `/api/cloud/schedules/${s.id}`]] as const) {
      expect((await call(path, { method, token: stranger.access, body })).status, `${method} ${path}`).toBe(404);
    }
    const token = await json(await call("/api/tokens", { token: owner.access, body: { name: "t", scopes: [{ scope: `cloud.${owner.userId}`, actions: ["read", "command"] }] } }));
    expect((await call("/api/cloud/schedules", { token: token.token })).status).toBe(403);
    expect((await create({ ...owner, access: token.token }, { name: "t", target: { tag: "x" }, command: "disk", intervalSeconds: 60 })).status).toBe(403);
    expect((await json(await call(`/api/cloud/schedules/${s.id}`, { token: owner.access }))).enabled).toBe(true);
  });

  it("each due time starts a run as the owner; a run still going when the next is due is skipped and says so; disable and delete stop it", async () => {
    const owner = await register();
    const a = await taggedAgent(owner, "sch");
    let answer: (() => void) | null = null;
    a.handlers["command.run"] = () => new Promise((r) => (answer = () => r(ok)));
    const s = await json(await create(owner, { name: "ten", target: { tag: "sch" }, command: "disk", intervalSeconds: 10 }));
    const first = Date.parse(s.next_run_at);
    expect(first - Date.now()).toBeGreaterThan(8_000);

    expect(await runDurableObjectAlarm(scheduleStub(s.id))).toBe(true);
    const [run] = await runsOf(owner, s.id);
    expect(run).toMatchObject({ state: "running", scheduleId: s.id, startedBy: `schedule:${s.id}`, command: "disk" });
    await until(() => answer !== null);
    // The next turn comes while that run still waits for the agent: skipped, with the reason.
    expect(await runDurableObjectAlarm(scheduleStub(s.id))).toBe(true);
    const [skipped] = await runsOf(owner, s.id);
    expect(skipped).toMatchObject({ state: "skipped", reason: `the previous run (${run.id}) was still running` });
    answer!();
    await until(async () => (await json(await call(`/api/cloud/runs/${run.id}`, { token: owner.access }))).state === "done");
    expect(await runDurableObjectAlarm(scheduleStub(s.id))).toBe(true);
    const runs = await runsOf(owner, s.id);
    expect(runs.map((r) => r.state)).toEqual(["running", "skipped", "done"]); // newest first
    const view = await json(await call(`/api/cloud/schedules/${s.id}`, { token: owner.access }));
    expect(view.last_run_id).toBe(runs[0].id);
    expect(Date.parse(view.next_run_at)).toBeGreaterThan(Date.now());

    // Disabled: no alarm, no next time.
    const off = await json(await call(`/api/cloud/schedules/${s.id}`, { method: "PATCH", token: owner.access, body: { enabled: false } }));
    expect(off).toMatchObject({ enabled: false, next_run_at: null });
    expect(await runDurableObjectAlarm(scheduleStub(s.id))).toBe(false);
    const on = await json(await call(`/api/cloud/schedules/${s.id}`, { method: "PATCH", token: owner.access, body: { enabled: true } }));
    expect(on.next_run_at).not.toBeNull();
    expect((await call(`/api/cloud/schedules/${s.id}`, { method: "DELETE", token: owner.access })).status).toBe(200);
    expect(await runDurableObjectAlarm(scheduleStub(s.id))).toBe(false);
    expect((await call(`/api/cloud/schedules/${s.id}`, { token: owner.access })).status).toBe(404);
  });

  it("a schedule acts as its owner as they stand: a revoked share means the member is refused at the next turn", async () => {
    const owner = await register();
    const sharee = await register();
    const a = await taggedAgent(owner, "shared");
    let ran = 0;
    a.handlers["command.run"] = () => (ran++, ok);
    const share = await json(await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: sharee.email, instance_id: a.instanceId, permissions: ["read:cloud_instance", "command:cloud_instance"] } }));
    const s = await json(await create(sharee, { name: "sharee's", target: { instanceIds: [a.instanceId] }, command: "disk", intervalSeconds: 60 }));
    await runDurableObjectAlarm(scheduleStub(s.id));
    const [r1] = await runsOf(sharee, s.id);
    await until(async () => (await json(await call(`/api/cloud/runs/${r1.id}`, { token: sharee.access }))).state === "done");
    expect(ran).toBe(1);
    expect((await call("/api/cloud/shares/delete", { token: owner.access, body: { id: share.id ?? share.share?.id } })).status).toBe(200);
    await runDurableObjectAlarm(scheduleStub(s.id));
    const [r2] = await runsOf(sharee, s.id);
    const run2 = await until(async () => { const v = await json(await call(`/api/cloud/runs/${r2.id}`, { token: sharee.access })); return v.state === "done" ? v : null; });
    expect(run2.results[0]).toMatchObject({ state: "error", error: "instance not found" });
    expect(ran).toBe(1);
  });

  it("next due times: cron in UTC, intervals from the last turn, no catching up after downtime", () => {
    const t = Date.parse("2026-01-01T00:01:30Z");
    expect(new Date(nextDue({ cron: "*/5 * * * *", intervalSeconds: null }, t, t)!).toISOString()).toBe("2026-01-01T00:05:00.000Z");
    expect(nextDue({ cron: null, intervalSeconds: 10 }, t, t + 1000)).toBe(t + 10_000);
    expect(nextDue({ cron: null, intervalSeconds: 10 }, t, t + 3_600_000)).toBe(t + 3_610_000);
    expect(cronProblem("@hourly")).toBeNull();
    expect(cronProblem("*/0 * * * *")).toMatch(/stepping/);
  });
});
