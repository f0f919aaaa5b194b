import type { Env } from "../../core/env.ts";
import type { Config } from "../config.ts";
import type { Db } from "../../core/db/client.ts";
import type { Principal } from "../../core/auth/principal.ts";
import type { CallCounts } from "./call-counts.ts";

/** Hono's typing of this app: bindings, and what middleware puts on the context. */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    config: Config;
    db: Db;
    principal: Principal;
    /** Set only in benchmarks (ANCHORAGE_BENCH_CALLS=1): see call-counts.ts. */
    callCounts?: CallCounts;
  };
};
