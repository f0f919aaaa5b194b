import { z } from "zod";

/**
 * A webhook's event pattern: dot-separated segments, each a word or `*`. A `*` stands for exactly
 * one segment, except at the end, where it stands for one or more: `cloud.*` is every cloud event,
 * `cloud.instance.*.deleted` every instance deletion, `auth.session.*` everything about sessions.
 */
export const eventPatternSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^(\*|[A-Za-z0-9_-]+)(\.(\*|[A-Za-z0-9_-]+)){0,9}$/, "dot-separated words or * (at most 10 segments), e.g. cloud.* or auth.session.*.created");

/** Whether an event type matches a pattern (see eventPatternSchema). */
export function patternMatches(pattern: string, type: string): boolean {
  const want = pattern.split(".");
  const have = type.split(".");
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const last = i === want.length - 1;
    if (w === "*" && last) return have.length > i;
    if (i >= have.length) return false;
    if (w !== "*" && w !== have[i]) return false;
  }
  return want.length === have.length;
}

export const matchesAny = (patterns: readonly string[], type: string) => patterns.some((p) => patternMatches(p, type));
