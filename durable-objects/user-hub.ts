import { DurableObject } from "cloudflare:workers";
import { scopeGrantSchema, scopesCover, type HubEvent, type ScopeGrant } from "@anchorage/common";
import type { Env } from "../core/env.ts";
import type { UserHubRpc } from "../core/rpc/user-hub-rpc.ts";

/** `scopes` is set for a socket opened with an API token: it hears only what they cover. */
type HubAttachment = { userId: string; sessionId: string; connectedAt: number; scopes?: ScopeGrant[] };

/** What a token needs to hear an event: terminal output is the terminal's, the rest the instance's readers'. */
const verbFor = (event: HubEvent) => (event.type === "cloud:tty-data" || event.type === "cloud:tty-exit" || event.type === "cloud:tty-invite" ? "terminal" : "read");

/**
 * One per user: holds that user's dashboard sockets (Hibernation API; the session
 * each socket belongs to is in its attachment and its tag) and pushes live events
 * to them. Who gets an event is decided before it arrives here (see audience.ts).
 */
export class UserHubDO extends DurableObject<Env> implements UserHubRpc {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Keep-alive pings are answered without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  /** The dashboard's upgrade; the Worker has authenticated it and names the user and session. */
  override async fetch(request: Request): Promise<Response> {
    const userId = request.headers.get("x-anchorage-user");
    const sessionId = request.headers.get("x-anchorage-session");
    const scopesHeader = request.headers.get("x-anchorage-scopes");
    const scopes = scopesHeader ? scopeGrantSchema.array().parse(JSON.parse(scopesHeader)) : undefined;
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket" || !userId || !sessionId) {
      return Response.json({ error: { code: "E-VALIDATION", message: "expected a WebSocket upgrade" } }, { status: 400 });
    }
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [`session:${sessionId}`]);
    server.serializeAttachment({ userId, sessionId, connectedAt: Date.now(), ...(scopes ? { scopes } : {}) } satisfies HubAttachment);
    server.send(JSON.stringify({ type: "hello", at: new Date().toISOString() }));
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Sends the event to every socket of this user that may hear it; `instanceOwnerId` is whose instance it is about. */
  async publish(event: HubEvent, instanceOwnerId: string): Promise<number> {
    const data = JSON.stringify(event);
    const target = { root: "cloud" as const, userId: instanceOwnerId, resource: "instances", id: event.instanceId, verb: verbFor(event) };
    let sent = 0;
    for (const ws of this.ctx.getWebSockets()) {
      const scopes = (ws.deserializeAttachment() as HubAttachment | null)?.scopes;
      if (scopes && !scopesCover(scopes, target)) continue;
      try {
        ws.send(data);
        sent++;
      } catch {
        /* a socket closing as we send: it is gone either way */
      }
    }
    return sent;
  }

  /**
   * Closes the sockets of sessions that have ended (logout, revoke, password change,
   * disable): one session, or all of them but `keep`.
   */
  async closeSessions(which: { sessionId: string } | { allBut: string | null }, reason = "session ended"): Promise<number> {
    const sockets =
      "sessionId" in which
        ? this.ctx.getWebSockets(`session:${which.sessionId}`)
        : this.ctx.getWebSockets().filter((ws) => (ws.deserializeAttachment() as HubAttachment | null)?.sessionId !== which.allBut);
    for (const ws of sockets) ws.close(4401, reason);
    return sockets.length;
  }

  async connections(): Promise<number> {
    return this.ctx.getWebSockets().length;
  }

  override async webSocketMessage(): Promise<void> {
    // Clients only listen; anything but the auto-answered ping is ignored.
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 ? 1000 : code, reason);
    } catch {
      /* already closed */
    }
  }
}
