import { decodeFrame, FORWARD_STREAM_ID, FrameType, STREAM_WINDOW, StreamEndpoint, StreamFlag, tcpHeadSchema } from "@anchorage/common";
import type { InstanceContext } from "./instance-context.ts";
import type { ForwardRequest } from "../../core/rpc/forward-request.ts";


/** How long the agent has to reach the forward's target before the client is answered 504. */
const CONNECT_TIMEOUT_MS = 15_000;

const refuse = (status: number, code: string, message: string) => Response.json({ error: { code, message } }, { status });

/**
 * TCP forwarding (`anchorage forward`): each client connection is one WebSocket here and one
 * stream on the agent's socket, to a forward the agent's config names. The client's socket carries
 * the same frames as the agent's (stream id 1), and each leg keeps its own credit: bytes from one
 * side are granted back only once the other side has taken them, so a slow end slows the other and
 * this object holds at most a window per direction. Lives in memory, like the connections.
 */
export class TcpForwards {
  /** Open forwards by user, so a revoked share or a disabled user closes theirs at once. */
  private readonly open = new Map<string, Set<() => void>>();

  constructor(private readonly c: InstanceContext) {}

  async connect(request: Request): Promise<Response> {
    const req = JSON.parse(request.headers.get("x-anchorage-forward")!) as ForwardRequest;
    const hello = this.c.hello();
    if (this.c.agentSockets().length === 0 || !hello) return refuse(503, "E-INSTANCE-OFFLINE", "the instance is offline");
    // Only a forward the agent's own config lists (the agent checks again itself).
    if (!hello.config.forward.some((f) => f.name === req.name)) return refuse(404, "E-NOT-FOUND", `forward "${req.name}" not found: the agent's config lists ${hello.config.forward.map((f) => f.name).join(", ") || "none"}`);
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return refuse(400, "E-VALIDATION", "expected a WebSocket upgrade");

    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    let connected!: (r: { ok: true } | { ok: false; reason: string }) => void;
    const answer = new Promise<{ ok: true } | { ok: false; reason: string }>((r) => (connected = r));
    let isConnected = false;
    let toClient: StreamEndpoint | null = null;
    const close = (code: number, reason: string) => {
      try {
        server.close(code, reason.slice(0, 120));
      } catch {
        /* closed already */
      }
    };
    const agent = this.c.streams.open(
      {
        onData: (payload, flags) => {
          if (flags & StreamFlag.HEAD) {
            agent?.consumed(payload.length);
            let head;
            try {
              head = tcpHeadSchema.safeParse(JSON.parse(new TextDecoder().decode(payload)));
            } catch {
              head = null;
            }
            if (!head?.success) return agent?.reset("malformed head");
            isConnected = true;
            return connected({ ok: true });
          }
          // Credit goes back to the agent only once the client has taken these bytes.
          if (!toClient) return agent?.reset("data before the connection");
          void toClient.write(payload).then(() => agent?.consumed(payload.length));
        },
        onEnd: () => toClient?.end(),
        onReset: (reason) => {
          if (!isConnected) return connected({ ok: false, reason });
          toClient?.reset(reason);
          close(1011, reason);
        },
        onClose: () => this.maybeDone(toClient, agent, close),
      },
      STREAM_WINDOW,
    );
    if (!agent) return refuse(503, "E-INSTANCE-OFFLINE", "the instance is offline");
    agent.open({ kind: "tcp", name: req.name });
    const timer = setTimeout(() => !isConnected && agent.reset("the agent did not connect in time"), CONNECT_TIMEOUT_MS);
    const result = await answer;
    clearTimeout(timer);
    if (!result.ok) {
      const offline = result.reason.startsWith("the agent went away");
      return refuse(offline ? 503 : 502, offline ? "E-INSTANCE-OFFLINE" : "E-PROXY-UPSTREAM", result.reason);
    }

    server.accept();
    server.binaryType = "arraybuffer";
    toClient = new StreamEndpoint(
      FORWARD_STREAM_ID,
      (bytes) => {
        try {
          server.send(bytes);
        } catch {
          /* the client is gone; its close resets the agent's stream */
        }
      },
      {
        // Credit goes back to the client only once the agent's stream has taken these bytes.
        onData: (payload) => void agent.write(payload).then(() => toClient?.consumed(payload.length)),
        onEnd: () => agent.end(),
        onReset: (reason) => agent.reset(`the client reset: ${reason}`),
        onClose: () => this.maybeDone(toClient, agent, close),
      },
      STREAM_WINDOW,
    );
    const peer = toClient;
    server.addEventListener("message", (e) => {
      if (typeof e.data === "string") return close(1003, "binary frames only");
      const d = decodeFrame(e.data as ArrayBuffer);
      if (!d.ok || d.frame.streamId !== FORWARD_STREAM_ID || d.frame.type === FrameType.OPEN) {
        peer.reset("bad frame");
        agent.reset("the client sent a bad frame");
        return close(1002, d.ok ? "one stream, id 1, no OPEN" : d.error);
      }
      peer.receive(d.frame);
    });
    server.addEventListener("close", () => {
      if (!(peer.ended.local && peer.ended.remote)) agent.reset("the client went away");
      untrack();
    });
    server.addEventListener("error", () => agent.reset("the client's socket failed"));
    const untrack = this.track(req.userId, () => {
      agent.reset("access ended");
      close(4403, "access ended");
    });
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Both legs are finished: the client's socket closes normally. */
  private maybeDone(toClient: StreamEndpoint | null, agent: StreamEndpoint | null, close: (code: number, reason: string) => void) {
    if (toClient?.closed && agent?.closed) close(1000, "done");
  }

  private track(userId: string, stop: () => void) {
    let set = this.open.get(userId);
    if (!set) this.open.set(userId, (set = new Set()));
    set.add(stop);
    return () => {
      set.delete(stop);
      if (set.size === 0) this.open.delete(userId);
    };
  }

  /** A user lost access (a share revoked, a user disabled): their forwards close now. */
  closeUser(userId: string) {
    for (const stop of [...(this.open.get(userId) ?? [])]) stop();
    this.open.delete(userId);
  }
}
