import { relayObjectName } from "../../core/rpc/proxy-exchange.ts";
import type { InstanceContext } from "./instance-context.ts";
import { ProxyRelay } from "./proxy-relay.ts";

/**
 * The reverse proxy's side in the InstanceDO: visitors' requests and WebSockets for the
 * instance's local app, each one stream on the agent's socket (the bytes: proxy-relay.ts), and
 * the busy proxy's extra relay sockets (ProxyRelayDO), whose connect nonce is spent here.
 */
export class ProxyExchanges {
  private readonly relay: ProxyRelay;

  constructor(private readonly c: InstanceContext) {
    this.relay = new ProxyRelay(c.streams);
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
    const relays = this.c.hello()?.config.proxy?.relays ?? 1;
    for (let k = 1; k < relays; k++) await this.c.env.PROXY_RELAY.get(this.c.env.PROXY_RELAY.idFromName(relayObjectName(instanceId, k))).close(code, reason);
  }
}
