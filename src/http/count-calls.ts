import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.ts";
import { CALL_COUNTS_HEADER, countingEnv, type CallCounts } from "./call-counts.ts";

/** Runs first: counts what the request reaches and says so in a response header (benchmarks only). */
export const countCalls: MiddlewareHandler<AppEnv> = async (c, next) => {
  if ((c.env as { ANCHORAGE_BENCH_CALLS?: string }).ANCHORAGE_BENCH_CALLS !== "1") return next();
  const counts: CallCounts = { d1: 0, kv: 0, do: 0, cache: 0 };
  c.env = countingEnv(c.env, counts);
  c.set("callCounts", counts);
  await next();
  if (c.res.status === 101) return; // a WebSocket's headers are immutable, and it has no body to wait for
  // Re-wrapped: a response from a Durable Object has immutable headers. The body streams through.
  const res = new Response(c.res.body, c.res);
  res.headers.set(CALL_COUNTS_HEADER, JSON.stringify(counts));
  c.res = undefined;
  c.res = res;
};
