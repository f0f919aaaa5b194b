import type { Tone } from "../tone.ts";

/** An invite's state in words: used outranks expired; otherwise it can still be redeemed. */
export function inviteState(i: { used_at: string | null; expires_at: string }, now: number): { label: string; tone: Tone } {
  if (i.used_at) return { label: "Used", tone: "neutral" };
  const expires = Date.parse(i.expires_at);
  if (!Number.isNaN(expires) && expires <= now) return { label: "Expired", tone: "bad" };
  return { label: "Open", tone: "ok" };
}

/** The server's default lifetime, picked at first. */
export const DEFAULT_INVITE_HOURS = 72;

/** The lifetimes offered for a new invite, in hours (the server takes 1 to 720; 72 is its default). */
export const INVITE_LIFETIMES: readonly { hours: number; label: string }[] = [
  { hours: 24, label: "1 day" },
  { hours: 72, label: "3 days" },
  { hours: 168, label: "7 days" },
  { hours: 720, label: "30 days" },
];
