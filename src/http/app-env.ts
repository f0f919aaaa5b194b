import type { Env } from "../env.ts";
import type { Config } from "../config.ts";
import type { Db } from "../db/client.ts";
import type { Principal } from "../auth/principal.ts";

/** Hono's typing of this app: bindings, and what middleware puts on the context. */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    config: Config;
    db: Db;
    principal: Principal;
  };
};
