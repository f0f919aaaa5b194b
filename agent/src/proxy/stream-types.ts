import type { StreamEndpoint } from "@anchorage/common/protocol/stream-endpoint";
import type { StreamOpen } from "@anchorage/common/protocol/stream-open";

/**
 * What a stream's server sets, synchronously, to take the frames the DO sends on its stream
 * (the StreamHost calls these; a server that leaves one unset ignores that event).
 */
export type StreamHandlers = { onData: (p: Uint8Array, f: number) => void; onEnd: () => void; onReset: (r: string) => void };

export type StreamKind = StreamOpen["kind"];

/**
 * Serves one stream the DO opened, of one kind (proxy/proxy-http.ts, proxy/proxy-ws.ts,
 * terminal/terminal-sessions.ts, files/serve-call.ts); `done` when the exchange is over.
 */
export type StreamServer<K extends StreamKind> = (stream: StreamEndpoint, handlers: StreamHandlers, open: Extract<StreamOpen, { kind: K }>, done: () => void) => void;

/** The servers a socket's StreamHost dispatches to, by kind; a kind left out is refused with its reason. */
export type StreamServers = { [K in StreamKind]: StreamServer<K> | { refuse: string } };
