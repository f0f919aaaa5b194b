import { buildApp } from "./app.ts";
import type { Env } from "../core/env.ts";
import { loadConfig } from "./config.ts";
import { openDb } from "../core/db/client.ts";
import { purgeExpiredChallenges } from "./auth/challenges/challenge-store.ts";
import { isOAuthPath, mcpOAuthProvider } from "./mcp/oauth-provider.ts";
import { handleQueueBatch } from "./webhooks/queue-consumer.ts";
import { chunkRetentionDays, collectChunks } from "./cloud/sync-chunks/collect-chunks.ts";

export { InstanceDO } from "../durable-objects/instance/instance-do.ts";
export { ProxyRelayDO } from "../durable-objects/instance/proxy-relay-do.ts";
export { UserHubDO } from "../durable-objects/user-hub.ts";
export { RateLimiter } from "../durable-objects/rate-limiter.ts";
// AlertDO and ScheduleDO live beside the Worker code they run (sending alerts, starting runs).
export { AlertDO } from "./alerts/alert-do.ts";
export { FleetRunDO } from "../durable-objects/fleet/fleet-run-do.ts";
export { ScheduleDO } from "./cloud/fleet/schedule-do.ts";

const app = buildApp();

export default {
  fetch(request, env, ctx) {
    // The MCP endpoint and its OAuth (metadata, registration, token, consent) go through the
    // OAuth provider first; everything else straight to the app.
    if (!isOAuthPath(new URL(request.url).pathname)) return app.fetch(request, env, ctx);
    let issuer: string;
    try {
      issuer = loadConfig(env).issuer;
    } catch {
      return app.fetch(request, env, ctx); // the app reports the configuration problem
    }
    return mcpOAuthProvider(issuer, app).fetch(request, env, ctx);
  },
  // Audit events to webhooks, and the dead-letter queue behind them (wrangler.toml [[queues.consumers]]).
  queue: (batch, env) => handleQueueBatch(batch, env),
  // Hourly (wrangler.toml [triggers]): sign-in challenges a day past their expiry are deleted, and
  // sync chunks no transfer used for SYNC_CHUNK_RETENTION_DAYS (and a deleted user's) leave R2.
  scheduled: (_controller, env, ctx) =>
    ctx.waitUntil(Promise.all([purgeExpiredChallenges(openDb(env.DB)), collectChunks(openDb(env.DB), env.BLOBS, chunkRetentionDays(env.SYNC_CHUNK_RETENTION_DAYS))])),
} satisfies ExportedHandler<Env>;
