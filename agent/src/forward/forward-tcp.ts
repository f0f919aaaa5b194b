import { connect } from "node:net";
import { parseForwardTarget } from "@anchorage/common/protocol/forward";
import type { StreamOpen } from "@anchorage/common/protocol/stream-open";
import type { StreamEndpoint } from "@anchorage/common/protocol/stream-endpoint";
import type { AgentConfig } from "@anchorage/common/agent-config";
import type { Logger } from "../agent-log.ts";
import type { StreamHandlers } from "../proxy/stream-types.ts";
import { bridgeSocket } from "./socket-bridge.ts";

/** How long connecting to a forward's target may take before the stream is refused. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * One forwarded TCP connection: the DO names a forward of this machine's config, never a target,
 * and the agent connects to that forward's own target. Until connected the frames wait in the
 * socket's buffer; connected, the HEAD says so and the bytes flow (socket-bridge.ts); refused,
 * the stream is RESET with the reason.
 */
export function forwardTcp(stream: StreamEndpoint, handlers: StreamHandlers, open: Extract<StreamOpen, { kind: "tcp" }>, done: () => void, forwards: AgentConfig["forward"], log: Logger) {
  const forward = forwards.find((f) => f.name === open.name);
  if (!forward) {
    stream.reset(`no forward named "${open.name}" in this machine's config`);
    return done();
  }
  const socket = connect({ ...parseForwardTarget(forward.target), allowHalfOpen: true, noDelay: true });
  socket.setTimeout(CONNECT_TIMEOUT_MS);
  let connected = false;
  bridgeSocket(socket, stream, handlers, done, (e) => {
    const why = `${connected ? "the connection to" : "cannot connect to"} ${forward.target} (${forward.name}): ${e.code ?? e.message}`;
    if (!connected) log.warn(`forward ${why}`);
    return why;
  });
  socket.once("timeout", () => socket.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
  socket.once("connect", () => {
    connected = true;
    socket.setTimeout(0);
    void stream.head({ connected: true });
  });
}
