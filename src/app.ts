import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import { newRouter } from "./http/router.ts";
import { AppError } from "../core/app-error.ts";
import { absoluteUrlHint, isNavigation } from "./cloud/proxy/absolute-url-hint.ts";
import { onError } from "./http/error-handler.ts";
import { countCalls } from "./http/count-calls.ts";
import { holdAfterChange } from "./auth/principal-cache/hold-after-change.ts";
import { loadConfig } from "./config.ts";
import { openDb } from "../core/db/client.ts";
import { jwks } from "./auth/tokens/signing-keys.ts";
import { passwordRoutes } from "./auth/routes/password-routes.ts";
import { sessionRoutes } from "./auth/routes/session-routes.ts";
import { accountRoutes } from "./auth/routes/account-routes.ts";
import { deviceRoutes } from "./auth/device/device-routes.ts";
import { oauthRoutes } from "./auth/oauth/oauth-routes.ts";
import { identityRoutes } from "./auth/oauth/identity-routes.ts";
import { magicLinkRoutes } from "./auth/magic-link/magic-link-routes.ts";
import { passwordResetRoutes } from "./auth/password-reset/password-reset-routes.ts";
import { deviceInviteRoutes } from "./auth/device-invite/device-invite-routes.ts";
import { accessTokenRoutes } from "./auth/tokens/access-token-route.ts";
import { devOutboxRoutes } from "./mail/dev-outbox-routes.ts";
import { passkeyRoutes } from "./auth/passkey/passkey-routes.ts";
import { keyRoutes } from "./auth/passkey/key-routes.ts";
import { totpRoutes } from "./auth/totp/totp-routes.ts";
import { twoFactorRoutes } from "./auth/two-factor/two-factor-routes.ts";
import { stepUpRoutes } from "./auth/step-up/step-up-routes.ts";
import { settingsRoutes } from "./settings/settings-routes.ts";
import { adminRoutes } from "./admin/admin-routes.ts";
import { anchorRoutes } from "./cloud/anchor/anchor-routes.ts";
import { installRoutes } from "./cloud/install/install-routes.ts";
import { instanceRoutes } from "./cloud/instances/instance-routes.ts";
import { runRoutes } from "./cloud/fleet/run-routes.ts";
import { scheduleRoutes } from "./cloud/fleet/schedule-routes.ts";
import { metricRoutes } from "./cloud/metrics/metric-routes.ts";
import { shareRoutes } from "./cloud/shares/share-routes.ts";
import { teamRoutes } from "./teams/team-routes.ts";
import { eventsRoute } from "./cloud/events/events-route.ts";
import { terminalRoutes } from "./cloud/terminal/terminal-routes.ts";
import { forwardRoutes } from "./cloud/forward/forward-routes.ts";
import { participantRoutes } from "./cloud/terminal/participant-routes.ts";
import { gitRoutes } from "./cloud/git/git-routes.ts";
import { fileRoutes, isFileUpload } from "./cloud/files/file-routes.ts";
import { compareRoute } from "./cloud/sync/compare-route.ts";
import { syncRoutes } from "./cloud/sync/sync-routes.ts";
import { mirrorRoutes } from "./cloud/sync/mirror-routes.ts";
import { folderRoute } from "./cloud/sync/folder-route.ts";
import { transferRoutes } from "./cloud/sync/transfer-routes.ts";
import { activityRoutes } from "./cloud/activity/activity-routes.ts";
import { isScriptLibraryPath, scriptRoutes } from "./cloud/scripts/script-routes.ts";
import { proxyByHost, proxyRoutes } from "./cloud/proxy/proxy-route.ts";
import { proxyAdminRoutes } from "./cloud/proxy/proxy-admin-routes.ts";
import { tokenRoutes } from "./auth/api-tokens/token-routes.ts";
import { serviceAccountRoutes } from "./auth/api-tokens/service-account-routes.ts";
import { serviceRoutes } from "./auth/service/service-routes.ts";
import { registryRoutes } from "./registry/registry-routes.ts";
import { dataRoutes } from "./data/data-routes.ts";
import { renderDocsPage } from "./docs/docs-page.ts";
import { VERSION } from "./version.ts";
import { mcpRoute } from "./mcp/mcp-route.ts";
import { oauthConsentRoutes } from "./mcp/oauth-consent-routes.ts";
import { auditRoutes } from "./audit/audit-routes.ts";
import { webhookRoutes } from "./webhooks/webhook-routes.ts";
import { alertRoutes } from "./alerts/alert-routes.ts";
import { isWorkerPath, WORKER_PREFIXES } from "@anchorage/common/worker-paths";


/** JSON bodies this API takes are small; 64 KiB bounds the work a request can cause. */
export const MAX_BODY_BYTES = 64 * 1024;

export { VERSION };

export function buildApp() {
  const app = newRouter();

  // Benchmarks only (ANCHORAGE_BENCH_CALLS=1): how many D1, KV, DO and cache calls a request made.
  app.use("*", countCalls);
  // A request that ended a session, a token or changed a user answers once no isolate can still serve the old state.
  app.use("*", holdAfterChange);

  // A proxied app's host comes before everything, /healthz included: its paths are the app's.
  app.use("*", async (c, next) => {
    if (!c.req.header("host")?.includes(".")) return next();
    let config;
    try {
      config = loadConfig(c.env);
    } catch {
      return next(); // no proxy without config; the routes below report the problem where it matters
    }
    c.set("config", config);
    c.set("db", openDb(c.env.DB));
    return proxyByHost(c, next);
  });

  app.get("/healthz", (c) => c.json({ status: "ok", version: VERSION }));

  // A handler that sets one of these headers itself (the OAuth consent page's Referrer-Policy) keeps its own.
  const withSecureHeaders = secureHeaders({ crossOriginResourcePolicy: "same-origin", crossOriginOpenerPolicy: "same-origin", overwrite: false });
  // A 101 response handed back from a Durable Object has immutable headers, and needs none of these.
  // Nor do proxied responses, which are the app's own (and immutable, coming from the DO).
  app.use("*", (c, next) => (c.req.header("upgrade") || c.req.path.startsWith("/p/") ? next() : withSecureHeaders(c, next)));
  // Config is validated where it is used: the dashboard's static files are served even when a secret is missing.
  const apiPatterns = WORKER_PREFIXES.map((p) => (p.endsWith("/") ? `${p}*` : p));
  for (const pattern of apiPatterns) {
    app.use(pattern, async (c, next) => {
      // Already there when the proxy-host check ran first for this request.
      if (!c.get("config")) {
        c.set("config", loadConfig(c.env));
        c.set("db", openDb(c.env.DB));
      }
      await next();
    });
  }
  // The proxy streams bodies of any size, and the data store, file uploads and the script library
  // enforce their own limits; everything else takes small JSON.
  const limitBody = bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new AppError("E-PAYLOAD-TOO-LARGE", `request body is larger than ${MAX_BODY_BYTES} bytes`);
      },
    });
  const ownLimit = (method: string, path: string) => path.startsWith("/p/") || path.startsWith("/api/data/") || isFileUpload(method, path) || isScriptLibraryPath(path);
  app.use("*", (c, next) => (ownLimit(c.req.method, c.req.path) ? next() : limitBody(c, next)));

  app.get("/.well-known/jwks.json", (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.json(jwks(c.get("config")));
  });

  app.route("/auth", passwordRoutes);
  app.route("/auth", sessionRoutes);
  app.route("/auth", accountRoutes);
  app.route("/auth", deviceRoutes);
  app.route("/auth", oauthRoutes);
  app.route("/auth", magicLinkRoutes);
  app.route("/auth", passwordResetRoutes);
  app.route("/auth", deviceInviteRoutes);
  app.route("/auth", accessTokenRoutes);
  app.route("/api/dev", devOutboxRoutes);
  app.route("/auth", passkeyRoutes);
  app.route("/auth", twoFactorRoutes);
  app.route("/auth", stepUpRoutes);
  app.route("/api/settings", settingsRoutes);
  app.route("/api/settings/identities", identityRoutes);
  app.route("/api/settings", keyRoutes);
  app.route("/api/settings", totpRoutes);
  app.route("/api/tokens", tokenRoutes);
  app.route("/api/teams", teamRoutes);
  app.route("/api/service-accounts", serviceAccountRoutes);
  app.route("/api/data", dataRoutes);
  app.route("/api", serviceRoutes);
  app.route("/", registryRoutes);
  app.route("/api/audit", auditRoutes);
  app.route("/api/webhooks", webhookRoutes);
  app.route("/api/alerts", alertRoutes);
  app.route("/admin", adminRoutes);
  app.route("/", anchorRoutes);
  app.route("/", installRoutes);
  app.route("/api/cloud", instanceRoutes);
  app.route("/api/cloud", runRoutes);
  app.route("/api/cloud", scheduleRoutes);
  app.route("/api/cloud", metricRoutes);
  app.route("/api/cloud/shares", shareRoutes);
  app.route("/api/cloud", proxyAdminRoutes);
  app.route("/api/cloud", terminalRoutes);
  app.route("/api/cloud", forwardRoutes);
  app.route("/api/cloud", participantRoutes);
  app.route("/api/cloud", gitRoutes);
  app.route("/api/cloud", fileRoutes);
  app.route("/api/cloud", compareRoute);
  app.route("/api/cloud", syncRoutes);
  app.route("/api/cloud/mirrors", mirrorRoutes("push"));
  app.route("/api/cloud/pulls", mirrorRoutes("pull"));
  app.route("/api/cloud", folderRoute);
  app.route("/api/cloud", transferRoutes);
  app.route("/api/cloud", activityRoutes);
  app.route("/api/cloud", scriptRoutes);
  app.route("/", eventsRoute);
  app.route("/", proxyRoutes);
  // MCP tools call the REST routes above in process, with the caller's own credential.
  app.all("/mcp", (c) => mcpRoute(c, async (req) => app.fetch(req, c.env, c.executionCtx)));
  app.route("/", oauthConsentRoutes);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
  app.openAPIRegistry.registerComponent("securitySchemes", "basic", { type: "http", scheme: "basic" });
  app.openAPIRegistry.registerComponent("securitySchemes", "cookie", { type: "apiKey", in: "cookie", name: "anc_access" });
  app.openAPIRegistry.registerComponent("securitySchemes", "serviceKey", { type: "apiKey", in: "header", name: "X-Service-Key" });
  const openApiConfig = {
    openapi: "3.1.0",
    info: {
      title: "Anchorage",
      version: VERSION,
      description: "Self-hosted control plane for machines. Authenticate with `Authorization: Bearer <access token or anc_ API token>` or the dashboard's cookie.",
    },
  };
  app.doc31("/openapi.json", openApiConfig);
  app.get("/docs", (c) => c.html(renderDocsPage(app.getOpenAPI31Document(openApiConfig) as unknown as Parameters<typeof renderDocsPage>[0])));

  app.notFound(async (c) => {
    const path = new URL(c.req.url).pathname;
    // Paths the Worker owns never fall through to the dashboard (common/src/worker-paths.ts).
    if (!isWorkerPath(path) && (c.req.method === "GET" || c.req.method === "HEAD") && c.env.ASSETS) {
      const asset = await c.env.ASSETS.fetch(c.req.raw);
      // The single-page fallback (index.html for a path that is no file) is for navigations only:
      // a script or fetch() answered with the page fails far from the cause (src/cloud/proxy/absolute-url-hint.ts).
      const isPageFallback = asset.ok && (asset.headers.get("content-type") ?? "").startsWith("text/html") && !/(^\/|\.html)$/.test(path);
      // Re-wrapped so middleware can add headers (an asset response's headers are immutable).
      if (!isPageFallback || isNavigation(c.req.raw)) return new Response(asset.body, asset);
      void asset.body?.cancel();
    }
    // Config is loaded only where used (API paths, proxy hosts); the hint needs only its origins.
    let config = c.get("config");
    try {
      config ??= loadConfig(c.env);
    } catch {
      // A deployment missing a secret still answers its 404s, without the hint.
    }
    const hint = config ? absoluteUrlHint(c.req.raw, config) : null;
    return new AppError("E-NOT-FOUND", `no route for ${c.req.method} ${path}${hint ? `; ${hint}` : ""}`).toResponse();
  });
  app.onError(onError);
  return app;
}
