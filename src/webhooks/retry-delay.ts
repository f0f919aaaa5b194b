/** A delivery is tried this many times in all; the sixth failure makes it dead. */
export const MAX_DELIVERY_ATTEMPTS = 6;

const BASE_SECONDS = 30;
// Queues refuse a delay over 12 hours (Cloudflare Queues limits: delaySeconds ≤ 43200).
const MAX_DELAY_SECONDS = 43_200;

/**
 * How long to wait after the `attempt`-th failure: exponential (×4 per attempt, from 30 s) with
 * jitter over the upper half, so receivers that failed together are not all retried together.
 * Attempts 1–5 wait 15–30 s, 1–2 min, 4–8 min, 16–32 min, 64–128 min.
 */
export function retryDelaySeconds(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_SECONDS, BASE_SECONDS * 4 ** Math.max(0, attempt - 1));
  return Math.min(MAX_DELAY_SECONDS, Math.ceil(ceiling / 2 + (random() * ceiling) / 2));
}
