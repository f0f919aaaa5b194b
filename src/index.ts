import { buildApp } from "./app.ts";
import type { Env } from "./env.ts";

export { InstanceDO } from "../durable-objects/instance/instance-do.ts";
export { UserHubDO } from "../durable-objects/user-hub.ts";
export { RateLimiter } from "../durable-objects/rate-limiter.ts";

const app = buildApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
