import { readProxyRoute, type ProxyRoute } from "../../core/instances/proxy-route.ts";
import type { Env } from "../../core/env.ts";
import { relayObjectName } from "../../core/rpc/proxy-exchange.ts";
import type { InstanceContext } from "./instance-context.ts";
import { ProxyRelay } from "./proxy-relay.ts";
import { HeldRoute } from "./proxy-route-check.ts";

/**
 * The reverse proxy's side in the InstanceDO: visitors' requests and WebSockets for the
 * instance's local app, each one stream on the agent's socket (the bytes: proxy-relay.ts), and
 * the busy proxy's extra relay sockets (ProxyRelayDO), whose connect nonce is spent here. It holds
 * the proxy's route as D1 last said (storage meta `proxy_route`), re-read on every change to it
 * (the agent's hello, a pause, a rename) and handed to the relay objects.
 */
export class ProxyExchanges {
  private readonly relay: ProxyRelay;
  private readonly route: HeldRoute;

  constructor(private readonly c: InstanceContext) {
    this.route = new HeldRoute(
      {
        get: async () => c.state.getMeta<ProxyRoute | null>("proxy_route"),
        put: async (route) => c.state.setMeta("proxy_route", route),
      },
      (instanceId) => readProxyRoute(c.db(), instanceId),
    );
    this.relay = new ProxyRelay(c.streams, this.route);
  }

  /**
   * The proxy's route may have changed in D1 (the agent's hello, a pause or a rename through the
   * API): this object and each relay object hold it as it is now. Returns it.
   */
  async routeChanged(instanceId: string): Promise<ProxyRoute | null> {
    const route = await this.route.refresh(instanceId);
    await this.eachRelay(instanceId, (relay) => relay.setRoute(route));
    return route;
  }

  /** The route as D1 has it now (a relay object asks when its own copy disagrees with a request). */
  currentRoute(instanceId: string): Promise<ProxyRoute | null> {
    return this.route.refresh(instanceId);
  }

  /** A visitor's request (or WebSocket) for the instance's local app; the Worker has checked access. */
  serve(request: Request): Promise<Response> {
    return this.relay.serve(request, this.c.agentSockets().length > 0, 0);
  }

  /**
   * A proxy relay socket's connect (docs/features.md, `proxy.relays`): its nonce came from this
   * object, like the agent's own socket's, and is spent here. Relays join an agent that is connected.
   */
  spendRelayChallenge(nonce: string): "ok" | "offline" | "unknown" {
    if (!this.c.state.consumeChallenge(nonce)) return "unknown";
    return this.c.agentSockets().length ? "ok" : "offline";
  }

  /** The visitor hung up: the exchange's stream is reset, so the agent cancels the local request. */
  cancel(exchangeId: string): void {
    this.relay.cancel(exchangeId);
  }

  /** The instance was deleted: its relay objects close their sockets with that code. */
  async closeRelays(instanceId: string, code: number, reason: string): Promise<void> {
    await this.eachRelay(instanceId, (relay) => relay.close(code, reason));
  }

  private async eachRelay(instanceId: string, act: (relay: ReturnType<Env["PROXY_RELAY"]["get"]>) => Promise<void>): Promise<void> {
    const relays = this.c.hello()?.config.proxy?.relays ?? 1;
    for (let k = 1; k < relays; k++) await act(this.c.env.PROXY_RELAY.get(this.c.env.PROXY_RELAY.idFromName(relayObjectName(instanceId, k))));
  }
}
