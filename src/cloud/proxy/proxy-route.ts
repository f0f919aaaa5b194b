import type { Context, Next } from "hono";
import { Hono } from "hono";
import { isHopByHop, slugSchema, type HeaderPairs, type StreamOpen } from "@anchorage/common";
import type { AppEnv } from "../../http/app-env.ts";
import { AppError, notFound } from "../../../core/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { nextPathOn } from "../../http/next-path.ts";
import { getCookie, setCookie } from "hono/cookie";
import { decodeJwt } from "jose";
import { z } from "zod";
import { authenticate, principalForSession } from "../../auth/authenticate.ts";
import { requireSessionPrincipal, type Principal } from "../../../core/auth/principal.ts";
import { readProxyAccessRules } from "@anchorage/common";
import { decideByRules, rulesRefusal, rulesWantBasic, rulesWantSignIn } from "./access-rules.ts";
import { issueProxyToken, PROXY_COOKIE, spendHandoff, verifyProxyToken } from "./proxy-token.ts";
import { withoutOwnCookies } from "../../auth/cookies.ts";
import { isApiToken } from "../../auth/api-tokens/api-token-store.ts";
import { requireAccess, requireInstance } from "../../../core/instances/instance-access.ts";
import { STALE_ROUTE_HEADER, type ProxyMeta } from "../../../core/rpc/proxy-exchange.ts";
import { cachedProxyTarget, freshProxyTarget, loadProxyTarget, routeOfTarget, type ProxyTarget } from "./proxy-route-copy.ts";
import { pickRelay, proxyObject } from "./pick-relay.ts";
import { ownHostOf, slugOfOwnHost } from "./own-hosts.ts";

/**
 * The reverse proxy's front: `<slug>.<PROXY_DOMAIN>/…` and `/p/<slug>/…` reach the instance's
 * local app through its InstanceDO and agent. Access is checked here (public, or signed-in
 * users with proxy permission); the bytes never wait here: request and response bodies are
 * streams handed through.
 */
export const proxyRoutes = new Hono<AppEnv>();

/**
 * Every response of the path form (`/p/<slug>/…`, on the dashboard's own origin) runs sandboxed:
 * without `allow-same-origin` its documents get an opaque origin, so their script cannot read the
 * dashboard's pages, storage or cookies, and the browser sends their requests as cross-site
 * (which every cookie-authenticated route refuses: src/http/csrf.ts). CSP Level 3, "sandbox".
 */
export const PATH_FORM_SANDBOX = "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads";

/** Response headers an app on the path form may not send: they act on the whole origin, the dashboard's. */
const ORIGIN_WIDE_HEADERS = ["clear-site-data", "service-worker-allowed"];

function wantsHtml(req: Request) {
  return req.method === "GET" && (req.headers.get("accept") ?? "").includes("text/html");
}

/**
 * True when an Authorization header carries one of Anchorage's credentials: an `anc_` API token
 * (as Bearer or as a Basic password) or a JWT this deployment issued. Such a header is ours to
 * read and never the app's, whatever the proxy's access mode; anything else is the app's own.
 */
function isAnchorageCredential(value: string, issuer: string): boolean {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(value)?.[1];
  if (bearer) {
    if (isApiToken(bearer)) return true;
    try {
      return decodeJwt(bearer).iss === issuer;
    } catch {
      return false;
    }
  }
  const basic = /^Basic\s+(\S+)\s*$/i.exec(value)?.[1];
  if (basic) {
    try {
      return isApiToken(atob(basic).split(":").slice(1).join(":"));
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * The Accept-Encoding the visitor sent. Cloudflare hands the Worker `br, gzip` whatever the visitor
 * said and keeps the original in `request.cf.clientAcceptEncoding`
 * (developers.cloudflare.com/fundamentals/reference/http-request-headers/#accept-encoding); an
 * app given the platform's value would compress for a client that never asked for it.
 */
function visitorAcceptEncoding(req: Request): string | null {
  const sent = (req.cf as { clientAcceptEncoding?: unknown } | undefined)?.clientAcceptEncoding;
  if (typeof sent === "string") return sent || null;
  return req.headers.get("accept-encoding");
}

function forwardedHeaders(req: Request, strippedAuthorization: boolean, host: string, prefix: string | null, issuer: string): HeaderPairs {
  const out: HeaderPairs = [];
  req.headers.forEach((value, name) => {
    const n = name.toLowerCase();
    if (isHopByHop(n) || n === "host" || n.startsWith("cf-") || n.startsWith("x-anchorage-") || n.startsWith("sec-websocket-")) return;
    if (n === "authorization" && (strippedAuthorization || isAnchorageCredential(value, issuer))) return;
    if (n === "x-forwarded-for" || n === "x-forwarded-proto" || n === "x-forwarded-host" || n === "x-forwarded-prefix") return;
    if (n === "accept-encoding") return; // the visitor's own, below
    if (n === "cookie") {
      // Our own credentials never reach the proxied app: the dashboard's cookies, and anc_proxy.
      const kept = withoutOwnCookies(value);
      if (kept) out.push(["cookie", kept]);
      return;
    }
    out.push([name, value]);
  });
  const acceptEncoding = visitorAcceptEncoding(req);
  if (acceptEncoding) out.push(["accept-encoding", acceptEncoding]);
  const ip = clientIp(req);
  if (ip) out.push(["x-forwarded-for", ip]);
  out.push(["x-forwarded-proto", new URL(req.url).protocol.replace(":", "")]);
  out.push(["x-forwarded-host", host]);
  if (prefix) out.push(["x-forwarded-prefix", prefix]);
  return out;
}

/** The instance a slug names, as D1 has it now (the sign-in hand-offs: not on the hot path). */
async function findProxy(c: Context<AppEnv>, slug: string): Promise<ProxyTarget> {
  if (!slugSchema.safeParse(slug).success) throw notFound("proxy");
  const target = await loadProxyTarget(c.get("db"), slug);
  if (!target) throw notFound("proxy");
  return target;
}

/**
 * Who is visiting: a Bearer token or the dashboard's cookie (same origin: the /p/ form), or
 * on the app's own host a proxy token (header) or the proxy cookie that host keeps.
 */
async function visitor(c: Context<AppEnv>, instance: ProxyTarget, byHost: boolean) {
  const config = c.get("config");
  const handoff = c.req.header("x-anchorage-proxy-token");
  if (handoff) {
    const t = await verifyProxyToken(config, "handoff", handoff, instance.id);
    return principalForSession(c, t.sid, t.sub, { provider: "proxy", jti: "", exp: t.exp, via: "bearer" });
  }
  const cookie = byHost ? getCookie(c, PROXY_COOKIE) : undefined;
  if (cookie && !c.req.header("authorization")) {
    const t = await verifyProxyToken(config, "cookie", cookie, instance.id);
    return principalForSession(c, t.sid, t.sub, { provider: "proxy", jti: "", exp: t.exp, via: "cookie" });
  }
  return authenticate(c);
}

type AccessOutcome = { strippedAuthorization: boolean } | { redirect: string } | { refused: Response };

/** A person in a browser: to the dashboard's sign-in (and, for the app's own host, a proxy token), then back. */
function signInRedirect(c: Context<AppEnv>, instance: ProxyTarget, byHost: boolean): { redirect: string } {
  const url = new URL(c.req.url);
  const config = c.get("config");
  const next = encodeURIComponent(url.pathname + url.search);
  if (!byHost) return { redirect: `/?next=${next}` };
  const host = (c.req.header("host") ?? "").toLowerCase();
  const own = slugFromHost(host, config.proxyDomain) === null ? `&host=${encodeURIComponent(host)}` : "";
  return { redirect: `${config.issuer}/auth/proxy-login?slug=${instance.proxySlug}${own}&next=${next}` };
}

async function checkAccess(c: Context<AppEnv>, instance: ProxyTarget, byHost: boolean): Promise<AccessOutcome> {
  if (instance.proxyAccess === "public") return { strippedAuthorization: false };
  if (instance.proxyAccess === "rules") return checkRules(c, instance, byHost);
  let principal;
  try {
    principal = await visitor(c, instance, byHost);
  } catch (e) {
    if (e instanceof AppError && e.code === "E-AUTH-UNAUTH" && wantsHtml(c.req.raw)) return signInRedirect(c, instance, byHost);
    throw e;
  }
  await requireAccess(c.get("db"), principal, instance, "proxy:cloud_instance");
  return { strippedAuthorization: principal.via === "bearer" };
}

/** Access by the proxy's rules (access-rules.ts); rules that cannot be read let no one in. */
async function checkRules(c: Context<AppEnv>, instance: ProxyTarget, byHost: boolean): Promise<AccessOutcome> {
  const rules = readProxyAccessRules(instance.proxyRules);
  if (!rules) throw new AppError("E-AUTH-FORBID", "this app's access rules cannot be read; its owner must set them again");
  const req = c.req.raw;
  let asked: Principal | null | undefined;
  const decision = await decideByRules(rules, {
    ip: clientIp(req),
    authorization: req.headers.get("authorization"),
    principal: async () => {
      if (asked !== undefined) return asked;
      try {
        asked = await visitor(c, instance, byHost);
      } catch (e) {
        if (!(e instanceof AppError && e.code === "E-AUTH-UNAUTH")) throw e;
        asked = null;
      }
      return asked;
    },
    mayProxy: async (p) => {
      try {
        await requireAccess(c.get("db"), p, instance, "proxy:cloud_instance");
        return true;
      } catch (e) {
        if (e instanceof AppError && (e.code === "E-AUTH-FORBID" || e.code === "E-NOT-FOUND")) return false;
        throw e;
      }
    },
  });
  if (decision.allow) {
    // A Basic password the rules took, or our own Bearer credential, is ours: the app never sees it.
    return { strippedAuthorization: decision.by === "basic" || decision.principal?.via === "bearer" };
  }
  if (!decision.signedIn && wantsHtml(req) && rulesWantSignIn(rules)) return signInRedirect(c, instance, byHost);
  const refusal = rulesRefusal(decision.signedIn);
  const headers: Record<string, string> = { "cache-control": "no-store" };
  if (!decision.signedIn && rulesWantBasic(rules)) headers["www-authenticate"] = `Basic realm="${instance.proxySlug}", charset="UTF-8"`;
  if (wantsHtml(req)) {
    const title = decision.signedIn ? "Not allowed" : "Sign in needed";
    const body = `<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1><p>${refusal.message}.</p>`;
    return { refused: new Response(body, { status: refusal.status, headers: { ...headers, "content-type": "text/html; charset=utf-8" } }) };
  }
  return { refused: Response.json(refusal.toBody(), { status: refusal.status, headers }) };
}

/**
 * Where `PROXY_DOMAIN` is set, a browser opening the path form is sent to the app's own host,
 * where it is an origin of its own and works as if direct (absolute URLs, cookies, storage).
 * Only navigations move: an API client keeps the path form (sandboxed, which it does not notice).
 */
function hostFormAddress(c: Context<AppEnv>, slug: string, path: string): string | null {
  const config = c.get("config");
  if (!config.proxyDomain || c.req.header("sec-fetch-mode") !== "navigate") return null;
  const url = new URL(c.req.url);
  return `${new URL(config.issuer).protocol}//${slug}.${config.proxyDomain}${path}${url.search}`;
}

async function relay(c: Context<AppEnv>, slug: string, path: string, prefix: string | null): Promise<Response> {
  if (prefix !== null && slugSchema.safeParse(slug).success) {
    const hostForm = hostFormAddress(c, slug, path);
    if (hostForm) return c.redirect(hostForm, 307);
  }
  const response = await relayToApp(c, slug, path, prefix);
  return prefix === null ? response : sandboxed(response);
}

/** A path-form response, made harmless to the origin it is served on (see PATH_FORM_SANDBOX). */
function sandboxed(response: Response): Response {
  if (response.status === 101) return response; // a WebSocket: no document, and its headers are immutable
  // Re-wrapped: a response from the DO has immutable headers. The body streams through uncopied.
  // The DO's body keeps its Content-Encoding across this re-wrap: the runtime knows the stream is
  // already encoded and passes its bytes on (the DO sent them with `encodeBody: "manual"`).
  const out = new Response(response.body, response);
  out.headers.append("content-security-policy", PATH_FORM_SANDBOX);
  for (const h of ORIGIN_WIDE_HEADERS) out.headers.delete(h);
  return out;
}

/**
 * Finds the instance (a copy of D1's answer: proxy-route-copy.ts) and relays the request to it. The
 * object that serves it refuses a request decided on a route that no longer holds; then the copy
 * goes and D1's answer decides, once. A request with a body can be sent only once, so it is
 * decided on D1's answer from the start.
 */
async function relayToApp(c: Context<AppEnv>, slug: string, path: string, prefix: string | null): Promise<Response> {
  if (!slugSchema.safeParse(slug).success) throw notFound("proxy");
  const method = c.req.raw.method;
  const once = method !== "GET" && method !== "HEAD";
  let target = once ? await loadProxyTarget(c.get("db"), slug) : await cachedProxyTarget(c, slug);
  for (let attempt = 0; ; attempt++) {
    if (!target) throw notFound("proxy");
    const exchangeId = crypto.randomUUID();
    const response = await relayTo(c, target, path, prefix, exchangeId);
    if (response.headers.get(STALE_ROUTE_HEADER) !== exchangeId) return response;
    void response.body?.cancel();
    // The route changed again while this request was on its way: the visitor may try again.
    if (once || attempt > 0) throw new AppError("E-CONFLICT", "this app's address or access changed a moment ago; try again");
    target = await freshProxyTarget(c, slug);
  }
}

async function relayTo(c: Context<AppEnv>, instance: ProxyTarget, path: string, prefix: string | null, exchangeId: string): Promise<Response> {
  const html = wantsHtml(c.req.raw);
  if (instance.proxyInactive) {
    const reason = instance.proxyReason ? `: ${instance.proxyReason}` : "";
    if (html) return new Response(`<!doctype html><meta charset="utf-8"><title>Paused</title><h1>This app is paused</h1><p>${(instance.proxyReason ?? "").replace(/[<&]/g, "")}</p>`, { status: 503, headers: { "content-type": "text/html; charset=utf-8" } });
    throw new AppError("E-INSTANCE-OFFLINE", `this proxy is paused${reason}`);
  }
  const access = await checkAccess(c, instance, prefix === null);
  if ("redirect" in access) return c.redirect(access.redirect, 302);
  if ("refused" in access) return access.refused;
  const { strippedAuthorization } = access;
  const req = c.req.raw;
  const url = new URL(req.url);
  const headers = forwardedHeaders(req, strippedAuthorization, req.headers.get("host") ?? url.host, prefix, c.get("config").issuer);
  const isWs = req.headers.get("upgrade")?.toLowerCase() === "websocket";
  const open: StreamOpen = isWs
    ? { kind: "ws", path: path + url.search, headers, protocols: (req.headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim()).filter(Boolean), ...(prefix ? { prefix } : {}) }
    : { kind: "http", method: req.method, path: path + url.search, headers, ...(prefix ? { prefix } : {}) };
  const meta: ProxyMeta = { instanceId: instance.id, exchangeId, open, options: { firstByteTimeoutMs: c.get("config").proxyTimeoutMs, ...(prefix ? { rewrite: { prefix } } : {}) }, html, route: routeOfTarget(instance) };
  // A busy proxy spreads over several objects, one agent socket each (config `proxy.relays`).
  const stub = proxyObject(c.env, instance.id, pickRelay(instance.proxyRelays));
  const forward = new Request("https://instance.internal/proxy", {
    method: req.method,
    headers: { "x-anchorage-proxy": JSON.stringify(meta), ...(isWs ? { upgrade: "websocket" } : {}) },
    body: req.method === "GET" || req.method === "HEAD" ? null : req.body,
    // The app's redirects are the visitor's to follow, not ours.
    redirect: "manual",
  });
  // A visitor who hangs up cancels the exchange all the way to the local app (request.signal, with
  // the enable_request_signal flag; local workerd does not deliver it yet: workerd#5062).
  req.signal?.addEventListener("abort", () => c.executionCtx.waitUntil(stub.cancelExchange(exchangeId, instance.id)));
  // The DO's response goes back as it is: its body streams through without a copy here.
  return stub.fetch(forward);
}

/** The slug in `Host: <slug>.<PROXY_DOMAIN>`, or null. */
export function slugFromHost(host: string | null | undefined, proxyDomain: string | null): string | null {
  if (!host || !proxyDomain) return null;
  const h = host.toLowerCase();
  if (!h.endsWith("." + proxyDomain)) return null;
  const slug = h.slice(0, -(proxyDomain.length + 1));
  return slug.includes(".") ? null : slug;
}

/**
 * Runs first: a request for `<slug>.<PROXY_DOMAIN>`, or for a host name a proxy claimed
 * (`proxy.hostnames`), is the proxy's, whatever its path.
 */
export async function proxyByHost(c: Context<AppEnv>, next: Next) {
  const host = c.req.header("host");
  const slug = slugFromHost(host, c.get("config").proxyDomain) ?? (await slugOfOwnHost(c, host));
  if (!slug) return next();
  const url = new URL(c.req.url);
  if (url.pathname === "/__anchorage/session") return acceptHandoff(c, slug, url);
  return relay(c, slug, url.pathname, null);
}

/** On the app's host: trade the 5-minute handoff token for this host's own cookie, then go on. */
async function acceptHandoff(c: Context<AppEnv>, slug: string, url: URL) {
  const instance = await findProxy(c, slug);
  const config = c.get("config");
  const next = nextPathOn(url.searchParams.get("next"), url.origin);
  const t = await verifyProxyToken(config, "handoff", url.searchParams.get("token") ?? "", instance.id);
  await principalForSession(c, t.sid, t.sub, { provider: "proxy", jti: "", exp: t.exp, via: "bearer" });
  await spendHandoff(c.get("db"), t);
  const { token, expiresIn } = await issueProxyToken(config, "cookie", { userId: t.sub, sessionId: t.sid, instanceId: instance.id });
  setCookie(c, PROXY_COOKIE, token, { httpOnly: true, secure: config.cookieSecure, sameSite: "Lax", path: "/", maxAge: expiresIn });
  return c.redirect(next, 302);
}

/**
 * `GET /auth/proxy-login?slug=&next=` on the dashboard's origin: with the dashboard's session,
 * hands a 5-minute proxy token to the app's own host; without one, to sign-in first.
 */
proxyRoutes.get("/auth/proxy-login", async (c) => {
  const url = new URL(c.req.url);
  const slug = url.searchParams.get("slug") ?? "";
  const ownHost = url.searchParams.get("host");
  const config = c.get("config");
  if (!config.proxyDomain && !ownHost) throw notFound("proxy host");
  const next = nextPathOn(url.searchParams.get("next"), config.issuer);
  let principal;
  try {
    principal = await authenticate(c);
  } catch (e) {
    if (e instanceof AppError && e.code === "E-AUTH-UNAUTH") return c.redirect(`/?next=${encodeURIComponent(url.pathname + url.search)}`, 302);
    throw e;
  }
  const instance = await findProxy(c, slug);
  await requireInstance(c.get("db"), principal, instance.id, "proxy:cloud_instance");
  const appHost = ownHost ? await ownHostOf(c, instance.id, ownHost) : `${instance.proxySlug}.${config.proxyDomain}`;
  const { token } = await issueProxyToken(config, "handoff", { userId: principal.userId, sessionId: requireSessionPrincipal(principal).sessionId, instanceId: instance.id });
  const scheme = new URL(config.issuer).protocol;
  return c.redirect(`${scheme}//${appHost}/__anchorage/session?token=${encodeURIComponent(token)}&next=${encodeURIComponent(next)}`, 302);
});

/** `POST /auth/proxy-token {instance_id}`: a 5-minute token for scripts (header `X-Anchorage-Proxy-Token`). */
/** A 5-minute token that opens one instance's proxy, for scripts (header `X-Anchorage-Proxy-Token`). */
async function mintProxyToken(c: Context<AppEnv>, instanceId: string | undefined, field: string) {
  // A proxy token belongs to a session; a script with an API token sends that token to the proxy itself.
  const principal = requireSessionPrincipal(await authenticate(c));
  const id = z.string().min(1).max(64).safeParse(instanceId);
  if (!id.success) throw new AppError("E-VALIDATION", `${field} is required`, { fields: [{ path: field, message: "required" }] });
  await requireInstance(c.get("db"), principal, id.data, "proxy:cloud_instance");
  const { token, expiresIn } = await issueProxyToken(c.get("config"), "handoff", { userId: principal.userId, sessionId: principal.sessionId, instanceId: id.data });
  return c.json({ proxy_token: token, expires_in: expiresIn });
}

/** `POST /auth/proxy-token {instance_id}` and `GET /auth/proxy-token?target=<instance id>` (the issue's form). */
proxyRoutes.post("/auth/proxy-token", async (c) => mintProxyToken(c, ((await c.req.json().catch(() => null)) as { instance_id?: string } | null)?.instance_id, "instance_id"));
proxyRoutes.get("/auth/proxy-token", (c) => mintProxyToken(c, c.req.query("target"), "target"));

proxyRoutes.all("/p/:slug", (c) => c.redirect(`/p/${c.req.param("slug")}/${new URL(c.req.url).search}`, 308));
proxyRoutes.all("/p/:slug/*", (c) => {
  const slug = c.req.param("slug");
  const prefix = `/p/${slug}`;
  return relay(c, slug, new URL(c.req.url).pathname.slice(prefix.length) || "/", prefix);
});

