import { encodeDataFrame, encodeFrame, FrameType, MAX_FRAME_PAYLOAD, resetFrame, resetReason, windowFrame, windowGrant, type Frame } from "./frames.ts";

/** DATA flags: the first DATA of a proxied exchange carries its head as JSON; WS messages carry their kind and end. */
export const StreamFlag = { HEAD: 1, TEXT: 2, FIN: 4 } as const;

/**
 * Byte streams go in frames of at most this size (the frame limit): each frame costs a message on
 * the socket and an event in the DO whatever its size, so large frames are what make a download
 * fast. Streams still interleave: a frame is at most half its stream's window, and each stream
 * sends only within its own credit.
 */
export const STREAM_CHUNK = MAX_FRAME_PAYLOAD;
/**
 * Each side may have this many bytes in flight per stream before the reader grants more: the
 * memory bound per stream, and two frames deep so one stream can fill a fast link while the
 * grant for the first is on its way back.
 */
export const STREAM_WINDOW = 2 * 1024 * 1024;
/**
 * A terminal's window stays small on purpose: what one flooding shell has in flight is what
 * another terminal's keystroke echo queues behind, on the agent's socket and in the same workerd.
 * Measured (docs/benchmarks.md, Terminal): 512 KiB here, or the object running 1 MiB ahead of the
 * client's acks, raised a flood's throughput a little and another terminal's echo by 100s of ms.
 */
export const PTY_STREAM_WINDOW = 64 * 1024;
/**
 * Readers grant credit back once this much of a window has been consumed. These are the half
 * windows of the first protocol (1 MiB and 64 KiB windows), kept so a peer of either generation
 * is never left waiting: a sender whose window is the old one runs out of credit at the old
 * window, and a grant comes before then. A larger window only lets a sender go further ahead.
 */
export const STREAM_GRANT_STEP = 512 * 1024;
export const PTY_GRANT_STEP = 32 * 1024;
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
 * Byte-stream writes that wait together leave together, as one frame up to the frame size
 * (each part copied once, into the frame); messages are never split or joined.
 * No sockets here: `send` is given, so both the DO and the agent use it, and tests drive it.
 */
export class StreamEndpoint {
  readonly id: number;
  private readonly send: (bytes: Uint8Array) => void;
  private readonly events: StreamEvents;
  /** Bytes in flight this stream allows each way; both ends of a stream use the same (by its kind). */
  readonly window: number;
  /** How much the reader consumes before it grants that much back (see STREAM_GRANT_STEP). */
  readonly grantStep: number;
  /** Largest byte-stream frame: never more than half the window, so credit keeps coming back while bytes flow. */
  private readonly maxFrame: number;
  private credit: number;
  private readonly queue: Pending[] = [];
  private queued = 0;
  private waiters: (() => void)[] = [];
  private endQueued = false;
  private unacked = 0; // bytes the peer sent that our reader has not yet consumed and we have not granted back
  private consumedSinceGrant = 0;
  closed = false;
  ended = { local: false, remote: false };

  constructor(id: number, send: (bytes: Uint8Array) => void, events: StreamEvents, window: number = STREAM_WINDOW, grantStep: number = Math.min(STREAM_GRANT_STEP, window / 2)) {
    this.id = id;
    this.send = send;
    this.events = events;
    this.window = window;
    this.grantStep = grantStep;
    this.maxFrame = Math.max(1, Math.min(STREAM_CHUNK, Math.floor(window / 2)));
    this.credit = window;
  }

  private frame(type: Frame["type"], payload: Uint8Array, flags = 0) {
    this.send(encodeFrame({ type, streamId: this.id, flags, payload }));
  }

  /** Bytes written but still waiting for the peer's credit: a writer that can pause its source should, while this is above 0. */
  get queuedBytes(): number {
    return this.queued;
  }

  open(descriptor: unknown) {
    this.frame(FrameType.OPEN, new TextEncoder().encode(JSON.stringify(descriptor)));
  }

  /** Sends the exchange's head (status and headers, or a request line) as JSON. */
  head(value: unknown): Promise<void> {
    return this.enqueue([{ payload: new TextEncoder().encode(JSON.stringify(value)), flags: StreamFlag.HEAD }]);
  }

  /**
   * A byte stream's next bytes: one buffer, or several read together (sent as if joined, without
   * joining them first). Keeps views of them until they have left, so do not reuse them before.
   */
  write(bytes: Uint8Array | readonly Uint8Array[]): Promise<void> {
    const parts: Pending[] = [];
    for (const b of ArrayBuffer.isView(bytes) ? [bytes] : bytes) if (b.length) parts.push({ payload: b, flags: 0 });
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
    this.dropQueue();
    this.send(encodeFrame(resetFrame(this.id, reason.slice(0, 200))));
    this.release();
  }

  /** The reader has consumed `n` bytes: grant them back once a grant step's worth has gone. */
  consumed(n: number) {
    if (this.closed) return;
    this.unacked -= n;
    this.consumedSinceGrant += n;
    if (this.consumedSinceGrant >= this.grantStep) {
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
        this.dropQueue();
        this.release();
        this.events.onReset(resetReason(frame));
        return;
    }
  }

  private enqueue(parts: Pending[]): Promise<void> {
    if (this.closed) return Promise.resolve();
    for (const p of parts) {
      this.queue.push(p);
      this.queued += p.payload.length;
    }
    this.pump();
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private pump() {
    while (this.queue.length && !this.closed) {
      const next = this.queue[0]!;
      if (next.flags !== 0) {
        // A message (never split) waits until it fits, or until nothing is outstanding (credit whole again).
        if (next.payload.length > this.credit && this.credit < this.window) break;
        this.queue.shift();
        this.queued -= next.payload.length;
        this.credit -= next.payload.length;
        this.frame(FrameType.DATA, next.payload, next.flags);
        continue;
      }
      // A byte stream's bytes go as far as the credit reaches, even in part: waiting for credit enough
      // for a whole frame could wait forever on a reader that grants only once it has read more.
      const room = Math.min(this.credit, this.maxFrame);
      if (room <= 0) break;
      const parts: Uint8Array[] = [];
      let size = 0;
      while (size < room && this.queue.length && this.queue[0]!.flags === 0) {
        const p = this.queue[0]!;
        const take = Math.min(p.payload.length, room - size);
        if (take === p.payload.length) {
          parts.push(p.payload);
          this.queue.shift();
        } else {
          parts.push(p.payload.subarray(0, take));
          p.payload = p.payload.subarray(take);
        }
        size += take;
      }
      this.queued -= size;
      this.credit -= size;
      this.send(encodeDataFrame(this.id, 0, parts));
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

  private dropQueue() {
    this.queue.length = 0;
    this.queued = 0;
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
