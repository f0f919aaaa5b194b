import { applyD1Migrations, env } from "cloudflare:test";

// Runs before each test file: the real migrations, applied to the real local D1.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
