import { authed, request } from "../api.ts";
import { toggleBody, type Proxy } from "./proxy-view.ts";

/** `/api/cloud/proxies`: every proxy the signed-in person may reach, and pausing or resuming one. */

export const listProxies = () => authed(() => request<{ proxies: Proxy[] }>("GET", "/api/cloud/proxies")).then((r) => r.proxies);

export const toggleProxy = (instanceId: string, pause: boolean, reason?: string) =>
  authed(() => request<Proxy>("POST", `/api/cloud/proxies/${encodeURIComponent(instanceId)}/toggle`, toggleBody(pause, reason)));
