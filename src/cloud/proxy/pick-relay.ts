import type { Env } from "../../../core/env.ts";
import { relayObjectName } from "../../../core/rpc/proxy-exchange.ts";

/**
 * Which of a proxy's sockets serves one visitor request: 0 is the agent's own (the InstanceDO),
 * 1 … relays - 1 its extra relay objects. Uniform at random, so a busy proxy's load spreads evenly
 * whoever sends it (one visitor's burst too); an exchange, a WebSocket or SSE included, stays on
 * the socket it started on.
 */
export function pickRelay(relays: number, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(relays));
  return Math.min(n - 1, Math.floor(random() * n));
}

/** The object that serves socket `relay` of an instance's proxy; both answer `fetch` and `cancelExchange(exchangeId, instanceId)`. */
export function proxyObject(env: Env, instanceId: string, relay: number) {
  return relay === 0 ? env.INSTANCE.get(env.INSTANCE.idFromName(instanceId)) : env.PROXY_RELAY.get(env.PROXY_RELAY.idFromName(relayObjectName(instanceId, relay)));
}
