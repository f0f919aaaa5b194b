import { encodeFrame, FrameType, resetFrame, resetReason, windowFrame, windowGrant, type Frame } from "./frames.ts";

/** DATA flags: the first DATA of a proxied exchange carries its head as JSON; WS messages carry their kind and end. */
export const StreamFlag = { HEAD: 1, TEXT: 2, FIN: 4 } as const;

/** Byte streams go in chunks of at most this size, so streams interleave fairly on the one socket. */
export const STREAM_CHUNK = 256 * 1024;
/**
 * Each side may have this many bytes in flight per stream before the reader grants more:
 * the memory bound per stream, and large enough that one stream can fill a fast link
 * (credit returns every half window, so about one round trip per 512 KiB).
 */
export const STREAM_WINDOW = 1024 * 1024;
/**
 * A terminal's window is small on purpose: an interactive stream needs little in flight, and what
 * one flooding shell has in flight is what another terminal's keystroke echo queues behind.
 */
export const PTY_STREAM_WINDOW = 64 * 1024;
/** Largest single message (a WebSocket message relayed whole). */
export const MAX_STREAM_MESSAGE = 1024 * 1024;

export type StreamEvents = {
  onData(payload: Uint8Array, flags: number): void;
  onEnd(): void;
  onReset(reason: string): void;
  /** The stream is finished either way (both ends ended, or reset by either side): forget it. */
  onClose?(): void;
};

type Pending = { payload: Uint8Array; flags: number };

/**
 * One end of one multiplexed stream (DESIGN.md, protocol): sends DATA within the
 * peer's credit and queues the rest (so a slow reader holds back only its own stream),
 * grants credit back as its own reader consumes, and turns END/RESET into events.
 * A write's promise settles when its bytes have left: that is the writer's backpressure.
 * No sockets here: `send` is given, so both the DO and the agent use it, and tests drive it.
 */
export class StreamEndpoint {
  readonly id: number;
  private readonly send: (bytes: Uint8Array) => void;
  private readonly events: StreamEvents;
  /** Bytes in flight this stream allows each way; both ends of a stream use the same (by its kind). */
  readonly window: number;
  private credit: number;
  private readonly queue: Pending[] = [];
  private waiters: (() => void)[] = [];
  private endQueued = false;
  private unacked = 0; // bytes the peer sent that our reader has not yet consumed and we have not granted back
  private consumedSinceGrant = 0;
  closed = false;
  ended = { local: false, remote: false };

  constructor(id: number, send: (bytes: Uint8Array) => void, events: StreamEvents, window: number = STREAM_WINDOW) {
    this.id = id;
    this.send = send;
    this.events = events;
    this.window = window;
    this.credit = window;
  }

  private frame(type: Frame["type"], payload: Uint8Array, flags = 0) {
    this.send(encodeFrame({ type, streamId: this.id, flags, payload }));
  }

  /** Bytes written but still waiting for the peer's credit: a writer that can pause its source should, while this is above 0. */
  get queuedBytes(): number {
    let n = 0;
    for (const p of this.queue) n += p.payload.length;
    return n;
  }

  open(descriptor: unknown) {
    this.frame(FrameType.OPEN, new TextEncoder().encode(JSON.stringify(descriptor)));
  }

  /** Sends the exchange's head (status and headers, or a request line) as JSON. */
  head(value: unknown): Promise<void> {
    return this.enqueue([{ payload: new TextEncoder().encode(JSON.stringify(value)), flags: StreamFlag.HEAD }]);
  }

  /** A byte stream's next bytes, in fair chunks. */
  write(bytes: Uint8Array): Promise<void> {
    const parts: Pending[] = [];
    // Never a chunk larger than half the window, so credit keeps coming back while bytes flow.
    const chunk = Math.min(STREAM_CHUNK, this.window / 2);
    for (let i = 0; i < bytes.length; i += chunk) parts.push({ payload: bytes.subarray(i, i + chunk), flags: 0 });
    return this.enqueue(parts);
  }

  /** One whole message (a relayed WebSocket message), never split. */
  message(payload: Uint8Array, text: boolean): Promise<void> {
    if (payload.length > MAX_STREAM_MESSAGE) {
      this.reset("message too large");
      return Promise.resolve();
    }
    return this.enqueue([{ payload, flags: (text ? StreamFlag.TEXT : 0) | StreamFlag.FIN }]);
  }

  end() {
    if (this.closed || this.endQueued) return;
    this.endQueued = true;
    this.pump();
  }

  reset(reason: string) {
    if (this.closed) return;
    this.markClosed();
    this.queue.length = 0;
    this.send(encodeFrame(resetFrame(this.id, reason.slice(0, 200))));
    this.release();
  }

  /** The reader has consumed `n` bytes: grant them back once half a window has gone. */
  consumed(n: number) {
    if (this.closed) return;
    this.unacked -= n;
    this.consumedSinceGrant += n;
    if (this.consumedSinceGrant >= this.window / 2) {
      this.frame(FrameType.WINDOW, windowFrame(this.id, this.consumedSinceGrant).payload);
      this.consumedSinceGrant = 0;
    }
  }

  /** Feeds a frame that arrived for this stream. */
  receive(frame: Frame) {
    if (this.closed) return;
    switch (frame.type) {
      case FrameType.DATA:
        this.unacked += frame.payload.length;
        // A peer that sends beyond its credit (a window and one message of slack) is broken or hostile.
        if (this.unacked > this.window + MAX_STREAM_MESSAGE) {
          this.reset("flow control violated");
          this.events.onReset("flow control violated");
          return;
        }
        this.events.onData(frame.payload, frame.flags);
        return;
      case FrameType.WINDOW:
        this.credit += windowGrant(frame);
        this.pump();
        return;
      case FrameType.END:
        this.ended.remote = true;
        this.events.onEnd();
        if (this.ended.local) this.markClosed();
        return;
      case FrameType.RESET:
        this.markClosed();
        this.queue.length = 0;
        this.release();
        this.events.onReset(resetReason(frame));
        return;
    }
  }

  private enqueue(parts: Pending[]): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.queue.push(...parts);
    this.pump();
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private pump() {
    while (this.queue.length && !this.closed) {
      const next = this.queue[0]!;
      if (next.payload.length > this.credit && this.credit < this.window) {
        // A byte stream's bytes go in part, as far as the credit reaches: waiting for credit enough for
        // a whole chunk could wait forever on a reader that grants only once it has read more.
        if (next.flags === 0) {
          if (this.credit > 0) {
            const part = next.payload.subarray(0, this.credit);
            next.payload = next.payload.subarray(this.credit);
            this.credit = 0;
            this.frame(FrameType.DATA, part, 0);
          }
          break;
        }
        // A message (never split) waits for credit enough for all of it only while a grant is sure to
        // come: the reader grants once it has consumed half a window (consumed()), so with less than
        // that outstanding it may never grant again, and waiting would stall both ends for good (a
        // few small WebSocket messages, then a large one). Then it goes over the credit, which the
        // reader allows: a window and one message (MAX_STREAM_MESSAGE).
        if (this.window - this.credit >= this.window / 2) break;
      }
      this.queue.shift();
      this.credit -= next.payload.length;
      this.frame(FrameType.DATA, next.payload, next.flags);
    }
    if (this.queue.length === 0) {
      this.release();
      if (this.endQueued && !this.ended.local) {
        this.ended.local = true;
        this.frame(FrameType.END, new Uint8Array(0));
        if (this.ended.remote) this.markClosed();
      }
    }
  }

  private markClosed() {
    if (this.closed) return;
    this.closed = true;
    this.events.onClose?.();
  }

  private release() {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}
