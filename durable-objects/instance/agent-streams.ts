import { decodeFrame, encodeFrame, FrameType, isInitiatedBy, resetFrame, StreamEndpoint, StreamIdAllocator, type StreamEvents } from "@anchorage/common";

/** How every stream's RESET reason starts when the agent's socket is gone; relays answer "offline" by it. */
export const AGENT_GONE = "the agent went away";
export const isAgentGone = (reason: string) => reason.startsWith(AGENT_GONE);

/**
 * The DO's table of streams on the agent's socket (DESIGN.md, protocol): ids, the open
 * endpoints, and the routing of each binary frame to its stream. The proxy relay and the
 * terminal relay both open their streams here. Lives in memory: a stream exists only while
 * the request or socket that opened it is being served.
 */
export class AgentStreams {
  private readonly ids = new StreamIdAllocator("do");
  private readonly streams = new Map<number, StreamEndpoint>();
  private readonly agent: () => WebSocket | undefined;

  constructor(agent: () => WebSocket | undefined) {
    this.agent = agent;
  }

  /**
   * A binary frame from the agent. A malformed one is an error (the caller closes the socket
   * with it); a stream the agent opens is refused with RESET, since none is served that way;
   * a late frame for a stream already closed is dropped.
   */
  receive(bytes: ArrayBuffer, socket: WebSocket): { ok: true } | { ok: false; error: string } {
    const decoded = decodeFrame(bytes);
    if (!decoded.ok) return decoded;
    const { frame } = decoded;
    const s = this.streams.get(frame.streamId);
    if (s) s.receive(frame);
    else if (frame.type !== FrameType.RESET && !isInitiatedBy(frame.streamId, "do")) {
      socket.send(encodeFrame(resetFrame(frame.streamId, "no such stream")));
    }
    return { ok: true };
  }

  /** The agent went away: every open stream fails now, never hangs. */
  failAll(why: string) {
    const payload = new TextEncoder().encode(`${AGENT_GONE}: ${why}`);
    for (const s of [...this.streams.values()]) s.receive({ type: FrameType.RESET, streamId: s.id, flags: 0, payload });
    this.streams.clear();
  }

  /** A new stream to the agent (its OPEN is the caller's to send), or null when the agent is not connected. */
  open(events: StreamEvents, window?: number): StreamEndpoint | null {
    const socket = this.agent();
    if (!socket) return null;
    const id = this.ids.allocate();
    const stream = new StreamEndpoint(
      id,
      (bytes) => {
        try {
          socket.send(bytes);
        } catch {
          /* the socket is closing; webSocketClose fails the stream */
        }
      },
      {
        ...events,
        onClose: () => {
          if (this.streams.delete(id)) this.ids.release(id);
          events.onClose?.();
        },
      },
      window,
    );
    this.streams.set(id, stream);
    return stream;
  }
}
