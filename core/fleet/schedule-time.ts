import { Cron } from "croner";

/** Why a cron expression is refused (the 400's message for `cron`), or null. Five fields, UTC; `@hourly` and the like too. */
export function cronProblem(expr: string): string | null {
  const trimmed = expr.trim();
  // Croner also takes a seconds field (six or seven parts): refused, so no schedule fires more than once a minute through cron.
  if (!trimmed.startsWith("@") && trimmed.split(/\s+/).length !== 5) return "a cron expression has five fields: minute hour day-of-month month day-of-week";
  let cron: Cron;
  try {
    cron = new Cron(trimmed, { timezone: "Etc/UTC" });
  } catch (e) {
    return (e as Error).message.replace(/^CronPattern: /, "");
  }
  if (!cron.nextRun()) return "this expression never comes due";
  return null;
}

/**
 * The next due time after `due` (the turn that just came, or now for a new schedule): the next cron
 * time after now, or `due + interval`; a turn missed while the stack was down is not caught up (the
 * overdue alarm fires once, then the schedule goes on from now).
 */
export function nextDue(s: { cron: string | null; intervalSeconds: number | null }, due: number, now = Date.now()): number | null {
  if (s.cron) return new Cron(s.cron.trim(), { timezone: "Etc/UTC" }).nextRun(new Date(Math.max(due, now)))?.getTime() ?? null;
  if (!s.intervalSeconds) return null;
  const step = s.intervalSeconds * 1000;
  const next = due + step;
  return next > now ? next : now + step;
}
