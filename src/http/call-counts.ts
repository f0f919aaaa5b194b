import type { Env } from "../../core/env.ts";

/**
 * How many calls one request made to each store the Worker reaches over the network: D1
 * statements (a batch counts once), KV operations, Durable Object calls (a fetch or an RPC), and
 * lookups in the location's own cache (caches.open). Only for benchmarks (scripts/bench/auth-latency.ts):
 * with the var ANCHORAGE_BENCH_CALLS=1 every response carries them in `X-Anchorage-Calls`
 * (count-calls.ts); without it that middleware is one property read.
 */
export type CallCounts = { d1: number; kv: number; do: number; cache: number };

export const CALL_COUNTS_HEADER = "x-anchorage-calls";

type Counted = Record<string, unknown>;

/** A D1 statement whose runs are counted; bind() hands back a counted statement too. */
function countedStatement(stmt: D1PreparedStatement, counts: CallCounts): D1PreparedStatement {
  const s = stmt as unknown as Counted;
  for (const name of ["first", "all", "run", "raw"] as const) {
    const original = stmt[name].bind(stmt) as (...args: unknown[]) => unknown;
    s[name] = (...args: unknown[]) => {
      counts.d1++;
      return original(...args);
    };
  }
  const bind = stmt.bind.bind(stmt);
  s.bind = (...values: unknown[]) => countedStatement(bind(...values), counts);
  return stmt;
}

function countedD1(db: D1Database, counts: CallCounts): D1Database {
  return {
    prepare: (query: string) => countedStatement(db.prepare(query), counts),
    batch: (statements: D1PreparedStatement[]) => {
      counts.d1++;
      return db.batch(statements);
    },
    exec: (query: string) => {
      counts.d1++;
      return db.exec(query);
    },
    withSession: db.withSession?.bind(db),
    dump: db.dump?.bind(db),
  } as D1Database;
}

/** Every method call on the object is counted once; other properties pass through. */
function countedMethods<T extends object>(target: T, bump: () => void): T {
  return new Proxy(target, {
    get(t, prop) {
      const value = Reflect.get(t, prop, t) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        bump();
        // Reflect.apply, not value.apply: on an RPC stub every property, `apply` too, is a remote method.
        return Reflect.apply(value as (...a: unknown[]) => unknown, t, args);
      };
    },
  });
}

function countedNamespace<N extends object>(ns: N, counts: CallCounts): N {
  return new Proxy(ns, {
    get(t, prop) {
      const value = Reflect.get(t, prop, t) as unknown;
      if (typeof value !== "function") return value;
      if (prop === "get" || prop === "getByName") {
        return (...args: unknown[]) => countedMethods(Reflect.apply(value as (...a: unknown[]) => object, t, args), () => counts.do++);
      }
      return (...args: unknown[]) => Reflect.apply(value as (...a: unknown[]) => unknown, t, args);
    },
  });
}

/** The bindings, with every call to D1, KV and Durable Objects counted into `counts`. */
export function countingEnv(env: Env, counts: CallCounts): Env {
  return {
    ...env,
    DB: countedD1(env.DB, counts),
    KV: countedMethods(env.KV, () => counts.kv++),
    OAUTH_KV: countedMethods(env.OAUTH_KV, () => counts.kv++),
    INSTANCE: countedNamespace(env.INSTANCE, counts),
    PROXY_RELAY: countedNamespace(env.PROXY_RELAY, counts),
    USER_HUB: countedNamespace(env.USER_HUB, counts),
    RATE_LIMITER: countedNamespace(env.RATE_LIMITER, counts),
  };
}
