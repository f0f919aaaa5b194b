import type { Action, Instance } from "@anchorage/common";
import type { Tone } from "../tone.ts";

/**
 * A proxy as `GET /api/cloud/proxies` lists it (src/cloud/proxy/proxy-admin-routes.ts), and the
 * pure decisions the proxies screen makes about it: its addresses, its state in words, who may
 * pause it, and the body that pauses or resumes it.
 */
export interface Proxy {
  instance_id: string;
  instance_name: string;
  slug: string;
  path_url: string;
  host_url: string | null;
  access: "users" | "public";
  target: string | null;
  inactive: boolean;
  reason: string | null;
}

/** The server's limit on a pause reason (`reason: z.string().trim().max(200)`). */
export const REASON_MAX = 200;

export interface ProxyLink {
  form: "path" | "host";
  /** "By path" / "By its own host": names the copy and open buttons. */
  label: string;
  url: string;
}

/**
 * The addresses that reach the app. Where the deployment has a proxy domain (`host_url` is set)
 * only the host form is shown: there the app is an origin of its own and works as if direct
 * (absolute URLs, cookies, storage), while the path form is sandboxed and sends browsers to the
 * host form anyway. Without one, the path form is given on the page's own origin: the server
 * names its canonical origin (`APP_ORIGIN`'s first), and a person who signed in at another of its
 * origins (127.0.0.1 rather than localhost) would otherwise land where their session cookie is not.
 */
export function proxyLinks(p: Proxy, pageOrigin: string): ProxyLink[] {
  if (p.host_url) return [{ form: "host", label: "By its own host", url: p.host_url }];
  let path = p.path_url;
  try {
    path = new URL(new URL(p.path_url).pathname, pageOrigin).href;
  } catch {
    // Not a URL we can read: show what the server sent.
  }
  return [{ form: "path", label: "By path", url: path }];
}

export const accessLabel: Record<Proxy["access"], string> = {
  users: "Signed-in people with proxy permission",
  public: "Anyone (public)",
};

/** The proxy's state in words: paused (and why) outranks the instance being offline. */
export function proxyState(p: Proxy, instanceStatus: Instance["status"] | undefined): { label: string; tone: Tone; detail: string | null } {
  if (p.inactive) return { label: "Paused", tone: "bad", detail: p.reason ? `Visitors get 503: ${p.reason}` : "Visitors get 503." };
  if (instanceStatus === "offline") return { label: "Instance offline", tone: "bad", detail: "Visitors get 503 until the agent reconnects." };
  if (instanceStatus === "online") return { label: "Live", tone: "ok", detail: null };
  return { label: "Active", tone: "neutral", detail: null };
}

/** Pausing and resuming is managing the instance: the owner's and admins' (`manage:cloud_instance`), never a sharee's. */
export const canToggleProxy = (permissions: readonly Action[] | undefined) => !!permissions?.includes("manage:cloud_instance");

/** The body of `POST /api/cloud/proxies/:instanceId/toggle`; a blank reason is left out rather than sent empty. */
export function toggleBody(pause: boolean, reason = ""): { inactive: boolean; reason?: string } {
  const r = reason.trim();
  return pause && r ? { inactive: true, reason: r } : { inactive: pause };
}

/** A reason the server would refuse, in words; null when it is fine. */
export const reasonProblem = (reason: string): string | null =>
  reason.trim().length > REASON_MAX ? `At most ${REASON_MAX} characters (this one has ${reason.trim().length}).` : null;

/**
 * Whether a live event should fetch the proxies again. Heartbeats (every 5 s, with stats) change
 * nothing a proxy shows; an agent connecting (its hello may bring a new proxy config), an instance
 * going offline, or one this list has not seen do.
 */
export function eventChangesProxies(e: { type: string; instanceId: string; status?: string; stats?: unknown }, knownInstanceIds: ReadonlySet<string>): boolean {
  if (e.type !== "cloud:instance-update") return false;
  if (!knownInstanceIds.has(e.instanceId)) return true;
  return e.status === "offline" || e.stats === undefined;
}
