import type { D1Migration } from "cloudflare:test";
import type { Env as WorkerEnv } from "../../core/env.ts";

// The test runtime's `env` is the Worker's, plus the migrations vitest.config.ts reads from disk.
declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
