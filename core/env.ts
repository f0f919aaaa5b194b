import type { QueueMessage } from "./webhooks/queue-messages.ts";
import type { InstanceRpc } from "./rpc/instance-rpc.ts";
import type { ProxyRelayRpc } from "./rpc/proxy-exchange.ts";
import type { RateLimiterRpc } from "./rpc/rate-limiter-rpc.ts";
import type { UserHubRpc } from "./rpc/user-hub-rpc.ts";
import type { AlertRpc } from "./rpc/alert-rpc.ts";
import type { FleetRunRpc } from "./rpc/fleet-run-rpc.ts";
import type { ScheduleRpc } from "./rpc/schedule-rpc.ts";

/**
 * The bindings wrangler.toml declares, plus the secrets and vars the Worker reads. The Durable
 * Object namespaces are typed by their RPC contracts (rpc/), not by the classes, so the Worker and
 * the objects both stand on this file and neither imports the other.
 */
export interface Env {
  DB: D1Database;
  KV: KVNamespace;
  BLOBS: R2Bucket;
  INSTANCE: DurableObjectNamespace<InstanceRpc>;
  /** A busy proxy's extra relay objects, `<instance id>#relay<k>` (docs/features.md, `proxy.relays`). */
  PROXY_RELAY: DurableObjectNamespace<ProxyRelayRpc>;
  USER_HUB: DurableObjectNamespace<UserHubRpc>;
  RATE_LIMITER: DurableObjectNamespace<RateLimiterRpc>;
  /** One per alert (name = its id): the alert's state, grace timers and retries (src/alerts/alert-do.ts). */
  ALERT: DurableObjectNamespace<AlertRpc>;
  /** One per run across many instances (`POST /api/cloud/runs`), name = run id: the fan-out and its results. */
  FLEET_RUN: DurableObjectNamespace<FleetRunRpc>;
  /** One per schedule, name = schedule id: its alarm starts the schedule's runs. */
  SCHEDULE: DurableObjectNamespace<ScheduleRpc>;
  ASSETS?: Fetcher;
  /** MCP's OAuth grants, clients and tokens (workers-oauth-provider; hashed and encrypted there). */
  OAUTH_KV: KVNamespace;
  /** Audit events and webhook deliveries (queue `anchorage-events`; see src/webhooks/). */
  EVENTS: Queue<QueueMessage>;

  ENVIRONMENT?: string;
  APP_ORIGIN?: string;
  JWT_SIGNING_KEYS?: string;
  REGISTRATION?: string;
  COOKIE_SECURE?: string;
  PROXY_DOMAIN?: string;
  PROXY_TIMEOUT_SECONDS?: string;
  SERVICE_KEY?: string;
  DATA_MAX_VALUE_BYTES?: string;
  DATA_QUOTA_BYTES?: string;
  /** OAuth clients: a provider is offered only when both its id and secret are set. */
  GOOGLE_CLIENT_ID?: string;
  GOOGLE_CLIENT_SECRET?: string;
  DISCORD_CLIENT_ID?: string;
  DISCORD_CLIENT_SECRET?: string;
  GITHUB_CLIENT_ID?: string;
  GITHUB_CLIENT_SECRET?: string;
  /** A generic OpenID Connect provider: its issuer URL, client, and the label of its button. */
  OIDC_ISSUER?: string;
  OIDC_CLIENT_ID?: string;
  OIDC_CLIENT_SECRET?: string;
  OIDC_NAME?: string;
  RP_ID?: string;
  RP_NAME?: string;
  RESEND_API_KEY?: string;
  MAIL_FROM?: string;
  ACCESS_TOKEN_MAX_TTL_SECONDS?: string;
  /** Days a sync chunk no transfer used stays in R2 (default 7; src/cloud/sync-chunks/collect-chunks.ts). */
  SYNC_CHUNK_RETENTION_DAYS?: string;
}
