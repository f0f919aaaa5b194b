import { authed, request } from "../api.ts";
import { toggleBody, type Proxy } from "./proxy-view.ts";

/** `/api/cloud/proxies`: every proxy the signed-in person may reach, pausing or resuming one, and renaming it. */

export const listProxies = () => authed(() => request<{ proxies: Proxy[] }>("GET", "/api/cloud/proxies")).then((r) => r.proxies);

export const toggleProxy = (instanceId: string, pause: boolean, reason?: string) =>
  authed(() => request<Proxy>("POST", `/api/cloud/proxies/${encodeURIComponent(instanceId)}/toggle`, toggleBody(pause, reason)));

/** A new name, or null for the one in the agent's config (applied at its next connection). */
export const renameProxy = (instanceId: string, slug: string | null) =>
  authed(() => request<Proxy>("POST", `/api/cloud/proxies/${encodeURIComponent(instanceId)}/slug`, { slug }));
