import type { Socket } from "node:net";
import { STREAM_CHUNK, type StreamEndpoint } from "@anchorage/common/protocol/stream-endpoint";
import type { StreamHandlers } from "../proxy/stream-types.ts";

/**
 * Carries one TCP connection over one stream, both ways, with the stream's credit as the
 * backpressure: the socket is paused while its bytes wait for the peer's credit, and the peer's
 * bytes are granted back only once the socket has taken them. A half-close crosses as END (the
 * socket must be `allowHalfOpen`), an error or an abort as RESET. Both ends use it: the agent
 * beside the local service, and `anchorage forward` beside the local client.
 */
export function bridgeSocket(socket: Socket, stream: StreamEndpoint, handlers: StreamHandlers, onDone: () => void, describe = (e: NodeJS.ErrnoException) => `the connection failed: ${e.code ?? e.message}`) {
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    onDone();
  };
  // Reads gather until the loop turns (or a chunk's worth): each frame costs workerd more than its
  // bytes, so a flood goes in frames of up to STREAM_CHUNK rather than the socket's 64 KiB reads.
  let gathered: Buffer[] = [];
  let gatheredBytes = 0;
  let flushQueued = false;
  const flush = () => {
    flushQueued = false;
    if (gatheredBytes === 0) return;
    const bytes = gathered.length === 1 ? gathered[0]! : Buffer.concat(gathered, gatheredBytes);
    gathered = [];
    gatheredBytes = 0;
    const sent = stream.write(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    if (stream.queuedBytes === 0) return;
    socket.pause();
    void sent.then(() => {
      if (stream.queuedBytes === 0 && !socket.destroyed) socket.resume();
    });
  };
  socket.on("data", (chunk: Buffer) => {
    gathered.push(chunk);
    gatheredBytes += chunk.byteLength;
    if (gatheredBytes >= STREAM_CHUNK) return flush();
    if (!flushQueued) {
      flushQueued = true;
      setImmediate(flush);
    }
  });
  // Once our END is queued, the socket closing is the normal end: what waits for credit still goes.
  let endQueued = false;
  socket.on("end", () => {
    flush();
    stream.end();
    endQueued = true;
  });
  socket.on("error", (e: NodeJS.ErrnoException) => stream.reset(describe(e)));
  socket.on("close", (hadError) => {
    if (hadError || !endQueued) stream.reset("the connection closed");
    finish();
  });
  handlers.onData = (payload) => {
    if (socket.destroyed) return;
    socket.write(payload, () => stream.consumed(payload.byteLength));
  };
  handlers.onEnd = () => socket.end();
  handlers.onReset = () => {
    socket.destroy();
    finish();
  };
}
