import type { FleetTarget, RunResult, RunSummary, RunView, ScheduleView } from "@anchorage/common";
import { authed, request } from "../api.ts";

/** The dashboard's calls for runs and schedules (docs/fleet.md). */
export const startRun = (body: { target: FleetTarget; command: string; timeoutSeconds?: number; concurrency?: number }) =>
  authed(() => request<{ runId: string }>("POST", "/api/cloud/runs", body));
export const getRun = (id: string) => authed(() => request<RunView>("GET", `/api/cloud/runs/${encodeURIComponent(id)}`));
export const listRuns = () => authed(() => request<{ runs: RunSummary[] }>("GET", "/api/cloud/runs")).then((r) => r.runs);
export const cancelRun = (id: string) => authed(() => request<RunView>("POST", `/api/cloud/runs/${encodeURIComponent(id)}/cancel`));

export const listSchedules = () => authed(() => request<{ schedules: ScheduleView[] }>("GET", "/api/cloud/schedules")).then((r) => r.schedules);
export const createSchedule = (body: { name: string; target: FleetTarget; command: string; cron?: string; intervalSeconds?: number; enabled: boolean }) =>
  authed(() => request<ScheduleView>("POST", "/api/cloud/schedules", body));
export const setScheduleEnabled = (id: string, enabled: boolean) => authed(() => request<ScheduleView>("PATCH", `/api/cloud/schedules/${encodeURIComponent(id)}`, { enabled }));
export const deleteSchedule = (id: string) => authed(() => request<{ success: true }>("DELETE", `/api/cloud/schedules/${encodeURIComponent(id)}`));
export const scheduleRuns = (id: string) => authed(() => request<{ runs: RunSummary[] }>("GET", `/api/cloud/schedules/${encodeURIComponent(id)}/runs`)).then((r) => r.runs);

/** A member's result with a newer one from an event (results keep their order). */
export function withResult(run: RunView, result: RunResult, state: RunView["state"]): RunView {
  const results = run.results.map((r) => (r.instanceId === result.instanceId ? result : r));
  const counts = { ...run.counts };
  for (const k of Object.keys(counts) as (keyof typeof counts)[]) counts[k] = results.filter((r) => r.state === k).length;
  return { ...run, results, counts, state };
}

export const targetWords = (t: FleetTarget) => ("tag" in t ? `tag “${t.tag}”` : `${t.instanceIds.length} chosen instance${t.instanceIds.length === 1 ? "" : "s"}`);
