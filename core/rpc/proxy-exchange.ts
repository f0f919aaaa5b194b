/**
 * A proxied exchange as the Worker hands it to the object that relays it (the InstanceDO, or one of
 * a busy proxy's ProxyRelayDOs): the request's header, the response's, and the relays' names.
 */

export type ProxyOptions = { firstByteTimeoutMs: number; rewrite?: { prefix: string } };

/** What the Worker sends with a visitor's request, in the `x-anchorage-proxy` header (access already checked). */
export type ProxyMeta = { instanceId: string; exchangeId: string; open: unknown; options: ProxyOptions; html: boolean };
export const proxyMetaOf = (request: Request) => JSON.parse(request.headers.get("x-anchorage-proxy")!) as ProxyMeta;

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
}
