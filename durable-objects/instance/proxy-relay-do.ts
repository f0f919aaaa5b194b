import { DurableObject } from "cloudflare:workers";
import { CLOSE, HEARTBEAT_INTERVAL_MS } from "@anchorage/common";
import type { Env } from "../../core/env.ts";
import { AgentStreams } from "./agent-streams.ts";
import { ProxyRelay } from "./proxy-relay.ts";
import { HeldRoute } from "./proxy-route-check.ts";
import { proxyMetaOf, type ProxyRelayRpc } from "../../core/rpc/proxy-exchange.ts";
import type { ProxyRoute } from "../../core/instances/proxy-route.ts";

/** As for the agent's own socket: three missed pings and the peer is gone. */
const HEARTBEAT_DEADLINE_MS = 3 * HEARTBEAT_INTERVAL_MS;

type RelayAttachment = { kind: "relay"; instanceId: string; relay: number; connectedAt: number };

/**
 * One of a busy proxy's extra relay objects (name `relayObjectName(instance id, k)`, k ≥ 1). One
 * Durable Object serves about 1,000 requests a second before Cloudflare answers "overloaded"
 * (developers.cloudflare.com/durable-objects/platform/limits/), so an agent with `proxy.relays: N`
 * holds one more socket to each of N - 1 of these, and the Worker spreads visitors' requests over
 * them and the InstanceDO. A relay socket carries proxy streams only: no RPCs, terminals or files,
 * and no state beyond the socket (its attachment), the exchanges in flight and the proxy's route
 * (as the InstanceDO last handed it over, or answered when asked). Without its socket (not
 * connected yet, or reconnecting) it hands each request to the InstanceDO, body and all.
 */
export class ProxyRelayDO extends DurableObject<Env> implements ProxyRelayRpc {
  private readonly streams = new AgentStreams(() => this.sockets()[0]);
  /** The route in memory; storage keeps it across eviction (undefined: not read yet). */
  private held: ProxyRoute | null | undefined;
  private readonly route = new HeldRoute(
    {
      get: async () => (this.held !== undefined ? this.held : (this.held = await this.ctx.storage.get<ProxyRoute | null>("route"))),
      put: async (route) => {
        this.held = route;
        await this.ctx.storage.put("route", route);
      },
    },
    (instanceId) => this.instance(instanceId).proxyRoute(instanceId),
  );
  private readonly relay = new ProxyRelay(this.streams, this.route);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // The agent's keep-alive pings are answered without waking the object; their time is the heartbeat.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.has("x-anchorage-proxy")) {
      const socket = this.sockets()[0];
      if (!socket) return this.instance(proxyMetaOf(request).instanceId).fetch(request);
      return this.relay.serve(request, true, attachment(socket).relay);
    }
    // The relay socket's upgrade: the Worker has verified the agent's signed challenge (spent in the InstanceDO).
    const instanceId = request.headers.get("x-anchorage-instance");
    const relay = Number(request.headers.get("x-anchorage-relay"));
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket" || !instanceId || !Number.isInteger(relay) || relay < 1) {
      return Response.json({ error: { code: "E-VALIDATION", message: "expected a relay WebSocket upgrade" } }, { status: 400 });
    }
    // A second connection replaces the first, whose exchanges fail now rather than hang.
    for (const old of this.sockets()) old.close(CLOSE.replaced, "replaced by a newer connection");
    this.streams.failAll("replaced by a newer connection");
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, ["relay"]);
    server.serializeAttachment({ kind: "relay", instanceId, relay, connectedAt: Date.now() } satisfies RelayAttachment);
    server.send(JSON.stringify({ type: "welcome", instance_id: instanceId, heartbeat_interval_ms: HEARTBEAT_INTERVAL_MS }));
    await this.ctx.storage.setAlarm(Date.now() + HEARTBEAT_DEADLINE_MS);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    // Pings never get here (auto-response); any other control message does not belong on a relay socket.
    if (typeof message === "string") return ws.close(CLOSE.invalidMessage, "a relay socket carries proxy streams only");
    const r = this.streams.receive(message, ws);
    if (!r.ok) ws.close(CLOSE.invalidMessage, `invalid frame: ${r.error}`.slice(0, 120));
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // The Hibernation API does not answer a peer's Close frame by itself: without this the agent's
    // socket hangs in CLOSING (and its connection stays open). 1005/1006/1015 may not be sent.
    try {
      ws.close([1005, 1006, 1015].includes(code) ? 1000 : code, reason);
    } catch {
      /* already closed */
    }
    if (this.sockets().some((s) => s !== ws)) return; // replaced: the new socket carries on
    this.streams.failAll("disconnected");
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.webSocketClose(ws, 1006, "");
  }

  /**
   * The heartbeat deadline: a socket whose pings stopped is closed, and its exchanges fail. The
   * pings themselves are auto-responses (they do not wake the object); their last time is kept.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    let next = Infinity;
    for (const ws of this.sockets()) {
      const deadline = Math.max(this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0, attachment(ws).connectedAt) + HEARTBEAT_DEADLINE_MS;
      if (deadline > now) {
        next = Math.min(next, deadline);
        continue;
      }
      ws.close(CLOSE.heartbeatTimeout, "no heartbeat");
      this.streams.failAll("stopped answering");
    }
    if (next !== Infinity) await this.ctx.storage.setAlarm(next);
  }

  /** The instance was deleted (or its agent told to go): the relay socket closes with that code. */
  async close(code: number, reason: string): Promise<void> {
    for (const ws of this.sockets()) ws.close(code, reason);
    this.streams.failAll(reason);
    await this.ctx.storage.deleteAlarm();
  }

  /** The InstanceDO hands over the proxy's route after each change to it. */
  async setRoute(route: ProxyRoute | null): Promise<void> {
    await this.route.set(route);
  }

  /** The visitor hung up; an exchange this object handed to the InstanceDO is cancelled there. */
  async cancelExchange(exchangeId: string, instanceId: string): Promise<void> {
    if (!this.relay.cancel(exchangeId)) await this.instance(instanceId).cancelExchange(exchangeId);
  }

  private instance(instanceId: string) {
    return this.env.INSTANCE.get(this.env.INSTANCE.idFromName(instanceId));
  }

  private sockets(): WebSocket[] {
    return this.ctx.getWebSockets("relay").filter((s) => s.readyState === WebSocket.OPEN);
  }
}

const attachment = (ws: WebSocket) => ws.deserializeAttachment() as RelayAttachment;
