export interface BackoffOptions {
  /** Delay cap of the first retry, in ms. */
  baseMs?: number;
  /** No delay is ever longer than this. */
  maxMs?: number;
  /** [0, 1), injectable for tests. */
  random?: () => number;
}

/**
 * Delay before retry number `attempt` (0 for the first): exponential backoff with full
 * jitter, a uniform draw in [0, min(maxMs, baseMs·2^attempt)), so agents cut off together
 * do not reconnect together (AWS Architecture Blog, "Exponential Backoff and Jitter").
 */
export function nextDelay(attempt: number, { baseMs = 500, maxMs = 30_000, random = Math.random }: BackoffOptions = {}): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30); // 2^30 already passes any sane cap
  const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

/** Counts failed attempts; next() gives the delay before the next one, reset() after a success. */
export class Backoff {
  private readonly options: BackoffOptions;
  private failures = 0;

  constructor(options: BackoffOptions = {}) {
    this.options = options;
  }

  /** Attempts failed since the last reset. */
  get attempt(): number {
    return this.failures;
  }

  next(): number {
    return nextDelay(this.failures++, this.options);
  }

  reset(): void {
    this.failures = 0;
  }
}
