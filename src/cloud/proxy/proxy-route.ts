import type { Context, Next } from "hono";
import { Hono } from "hono";
import { eq } from "drizzle-orm";
import { isHopByHop, slugSchema, type HeaderPairs, type StreamOpen } from "@anchorage/common";
import type { AppEnv } from "../../http/app-env.ts";
import { AppError, notFound } from "../../http/app-error.ts";
import { clientIp } from "../../http/client-ip.ts";
import { instances, type InstanceRow } from "../../db/schema.ts";
import { authenticate } from "../../auth/authenticate.ts";
import { ACCESS_COOKIE, REFRESH_COOKIE } from "../../auth/cookies.ts";
import { requireInstance } from "../instances/instance-access.ts";

/**
 * The reverse proxy's front: `<slug>.<PROXY_DOMAIN>/…` and `/p/<slug>/…` reach the instance's
 * local app through its InstanceDO and agent. Access is checked here (public, or signed-in
 * users with proxy permission); the bytes never wait here: request and response bodies are
 * streams handed through.
 */
export const proxyRoutes = new Hono<AppEnv>();

/** Our own credentials never reach the proxied app. */
const OWN_COOKIES = new Set([ACCESS_COOKIE, REFRESH_COOKIE]);

function wantsHtml(req: Request) {
  return req.method === "GET" && (req.headers.get("accept") ?? "").includes("text/html");
}

function forwardedHeaders(req: Request, strippedAuthorization: boolean, host: string, prefix: string | null): HeaderPairs {
  const out: HeaderPairs = [];
  req.headers.forEach((value, name) => {
    const n = name.toLowerCase();
    if (isHopByHop(n) || n === "host" || n.startsWith("cf-") || n.startsWith("x-anchorage-") || n.startsWith("sec-websocket-")) return;
    if (n === "authorization" && strippedAuthorization) return;
    if (n === "x-forwarded-for" || n === "x-forwarded-proto" || n === "x-forwarded-host" || n === "x-forwarded-prefix") return;
    if (n === "cookie") {
      const kept = value
        .split(/;\s*/)
        .filter((kv) => kv && !OWN_COOKIES.has(kv.split("=")[0]!.trim()))
        .join("; ");
      if (kept) out.push(["cookie", kept]);
      return;
    }
    out.push([name, value]);
  });
  const ip = clientIp(req);
  if (ip) out.push(["x-forwarded-for", ip]);
  out.push(["x-forwarded-proto", new URL(req.url).protocol.replace(":", "")]);
  out.push(["x-forwarded-host", host]);
  if (prefix) out.push(["x-forwarded-prefix", prefix]);
  return out;
}

async function findProxy(c: Context<AppEnv>, slug: string): Promise<InstanceRow> {
  if (!slugSchema.safeParse(slug).success) throw notFound("proxy");
  const row = await c.get("db").select().from(instances).where(eq(instances.proxySlug, slug)).get();
  if (!row) throw notFound("proxy");
  return row;
}

/** Public proxies let anyone in; the others need a signed-in user with proxy permission on the instance. */
async function checkAccess(c: Context<AppEnv>, instance: InstanceRow): Promise<{ strippedAuthorization: boolean } | { redirect: string }> {
  if (instance.proxyAccess === "public") return { strippedAuthorization: false };
  let principal;
  try {
    principal = await authenticate(c);
  } catch (e) {
    const url = new URL(c.req.url);
    if (e instanceof AppError && e.code === "E-AUTH-UNAUTH" && wantsHtml(c.req.raw) && url.pathname.startsWith("/p/")) {
      // A person in a browser: to the dashboard's sign-in, and back here after.
      return { redirect: `/?next=${encodeURIComponent(url.pathname + url.search)}` };
    }
    throw e;
  }
  await requireInstance(c.get("db"), principal, instance.id, "proxy:cloud_instance");
  return { strippedAuthorization: principal.via === "bearer" };
}

async function relay(c: Context<AppEnv>, slug: string, path: string, prefix: string | null): Promise<Response> {
  const instance = await findProxy(c, slug);
  const html = wantsHtml(c.req.raw);
  if (instance.proxyInactive) {
    const reason = instance.proxyReason ? `: ${instance.proxyReason}` : "";
    if (html) return new Response(`<!doctype html><meta charset="utf-8"><title>Paused</title><h1>This app is paused</h1><p>${(instance.proxyReason ?? "").replace(/[<&]/g, "")}</p>`, { status: 503, headers: { "content-type": "text/html; charset=utf-8" } });
    throw new AppError("E-INSTANCE-OFFLINE", `this proxy is paused${reason}`);
  }
  const access = await checkAccess(c, instance);
  if ("redirect" in access) return c.redirect(access.redirect, 302);
  const { strippedAuthorization } = access;
  const req = c.req.raw;
  const url = new URL(req.url);
  const headers = forwardedHeaders(req, strippedAuthorization, req.headers.get("host") ?? url.host, prefix);
  const isWs = req.headers.get("upgrade")?.toLowerCase() === "websocket";
  const open: StreamOpen = isWs
    ? { kind: "ws", path: path + url.search, headers, protocols: (req.headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim()).filter(Boolean) }
    : { kind: "http", method: req.method, path: path + url.search, headers };
  const exchangeId = crypto.randomUUID();
  const meta = JSON.stringify({ exchangeId, open, options: { firstByteTimeoutMs: c.get("config").proxyTimeoutMs, ...(prefix ? { rewrite: { prefix } } : {}) }, html });
  const stub = c.env.INSTANCE.get(c.env.INSTANCE.idFromName(instance.id));
  const forward = new Request("https://instance.internal/proxy", {
    method: req.method,
    headers: { "x-anchorage-proxy": meta, ...(isWs ? { upgrade: "websocket" } : {}) },
    body: req.method === "GET" || req.method === "HEAD" ? null : req.body,
    // The app's redirects are the visitor's to follow, not ours.
    redirect: "manual",
  });
  // A visitor who hangs up cancels the exchange all the way to the local app (request.signal, with
  // the enable_request_signal flag; local workerd does not deliver it yet: workerd#5062).
  req.signal?.addEventListener("abort", () => c.executionCtx.waitUntil(stub.cancelExchange(exchangeId)));
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

/** Runs first: a request for `<slug>.<PROXY_DOMAIN>` is the proxy's, whatever its path. */
export async function proxyByHost(c: Context<AppEnv>, next: Next) {
  const slug = slugFromHost(c.req.header("host"), c.get("config").proxyDomain);
  if (!slug) return next();
  return relay(c, slug, new URL(c.req.url).pathname, null);
}

proxyRoutes.all("/p/:slug", (c) => c.redirect(`/p/${c.req.param("slug")}/${new URL(c.req.url).search}`, 308));
proxyRoutes.all("/p/:slug/*", (c) => {
  const slug = c.req.param("slug");
  const prefix = `/p/${slug}`;
  return relay(c, slug, new URL(c.req.url).pathname.slice(prefix.length) || "/", prefix);
});

