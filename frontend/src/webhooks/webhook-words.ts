import type { Tone } from "../tone.ts";

/**
 * The webhooks screen's pure side: the patterns typed into one box, and a delivery's state and
 * last attempt in words.
 */

/** What these words need of a delivery (webhooks-api.ts has the whole shape). */
interface DeliveryFacts {
  state: "pending" | "delivered" | "dead";
  attempts: number;
  last_status: number | null;
  last_error: string | null;
}

/** The server's limit (`events: z.array(eventPatternSchema).min(1).max(20)`). */
export const MAX_PATTERNS = 20;

/** Patterns typed separated by commas, spaces or new lines, each once, in the order typed. */
export function parsePatterns(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

export function deliveryState(d: Pick<DeliveryFacts, "state">): { label: string; tone: Tone } {
  switch (d.state) {
    case "delivered":
      return { label: "Delivered", tone: "ok" };
    case "dead":
      return { label: "Gave up", tone: "bad" };
    default:
      return { label: "Pending", tone: "neutral" };
  }
}

/** "2 attempts, last: HTTP 500" / "1 attempt, last: connection refused" / "Not tried yet". */
export function lastAttempt(d: Omit<DeliveryFacts, "state">): string {
  if (d.attempts === 0) return "Not tried yet";
  const tries = `${d.attempts} ${d.attempts === 1 ? "attempt" : "attempts"}`;
  const last = d.last_error ?? (d.last_status !== null ? `HTTP ${d.last_status}` : null);
  return last ? `${tries}, last: ${last}` : tries;
}
