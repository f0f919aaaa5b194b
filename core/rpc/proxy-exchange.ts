import type { ProxyRoute } from "../instances/proxy-route.ts";

/**
 * A proxied exchange as the Worker hands it to the object that relays it (the InstanceDO, or one of
 * a busy proxy's ProxyRelayDOs): the request's header, the response's, and the relays' names.
 */

export type ProxyOptions = { firstByteTimeoutMs: number; rewrite?: { prefix: string } };

/**
 * What the Worker sends with a visitor's request, in the `x-anchorage-proxy` header (access already
 * checked): `route` is the route it decided on, which the serving object checks (proxy-route-check.ts).
 */
export type ProxyMeta = { instanceId: string; exchangeId: string; open: unknown; options: ProxyOptions; html: boolean; route: ProxyRoute };
export const proxyMetaOf = (request: Request) => JSON.parse(request.headers.get("x-anchorage-proxy")!) as ProxyMeta;

/** On a refusal of a request decided on a stale route, carrying the request's exchange id (proxy-route-check.ts). */
export const STALE_ROUTE_HEADER = "x-anchorage-route-stale";

/** Which socket served a response: 0 is the agent's own (the InstanceDO), k ≥ 1 the relay object `relayObjectName(id, k)`. */
export const RELAY_HEADER = "x-anchorage-relay";

/** The name of an instance's k-th extra relay object (k ≥ 1; docs/features.md, `proxy.relays`). */
export const relayObjectName = (instanceId: string, relay: number) => `${instanceId}#relay${relay}`;

/** What a ProxyRelayDO answers over RPC (besides `fetch`: a visitor's request, or the agent's relay socket). */
export interface ProxyRelayRpc extends Rpc.DurableObjectBranded {
  /** The instance was deleted (or its agent told to go): the relay socket closes with that code. */
  close(code: number, reason: string): Promise<void>;
  /** The visitor hung up; an exchange this object handed to the InstanceDO is cancelled there. */
  cancelExchange(exchangeId: string, instanceId: string): Promise<void>;
  /** The instance's proxy route changed: the InstanceDO tells its relay objects what it is now. */
  setRoute(route: ProxyRoute | null): Promise<void>;
}
