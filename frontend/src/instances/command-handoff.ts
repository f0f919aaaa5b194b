/**
 * A command asked for from the instance toolbar on a page that has no command form: the toolbar
 * leaves it here and goes to the instance's Overview, whose form runs it once. Kept in this tab's
 * sessionStorage (never in the address, so no link can make an opened page run a command) and
 * only for a few seconds.
 */
const KEY = "anchorage.run-request";
const FRESH_MS = 10_000;

export function handOffCommand(instanceId: string, command: string) {
  sessionStorage.setItem(KEY, JSON.stringify({ instanceId, command, at: Date.now() }));
}

/** The command handed off for this instance, taken (so it runs once), if it is still fresh. */
export function takeHandedOffCommand(instanceId: string): string | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    const r = JSON.parse(raw) as { instanceId?: unknown; command?: unknown; at?: unknown };
    if (r.instanceId !== instanceId) return null;
    sessionStorage.removeItem(KEY);
    return typeof r.command === "string" && typeof r.at === "number" && Date.now() - r.at < FRESH_MS ? r.command : null;
  } catch {
    sessionStorage.removeItem(KEY);
    return null;
  }
}
