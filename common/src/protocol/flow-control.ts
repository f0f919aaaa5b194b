import { MAX_FRAME_PAYLOAD } from "./frames.ts";

/**
 * Per-stream, credit-based flow control for DATA frames (DESIGN.md: "per-stream flow control so
 * one large download does not starve a terminal"). Each stream has its own credit in each
 * direction, so a stream whose reader is slow stops only itself: its sender runs out of credit
 * and queues, while every other stream keeps its own credit and keeps flowing.
 *
 * Pure bookkeeping, no sockets: the DO and the agent wire these to frames (frames.ts).
 * Only DATA payload bytes count against credit; OPEN, END, RESET and WINDOW frames are free.
 */

/** Credit each side grants the other per stream when the stream opens. */
export const INITIAL_WINDOW = 256 * 1024;
/**
 * Most credit a sender may hold on one stream. A grant past it means the peer is broken or
 * hostile (it would let unbounded bytes pile up in our memory), so the stream is reset.
 */
export const MAX_WINDOW = 16 * 1024 * 1024;

export type FlowResult = { ok: true } | { ok: false; error: string };

function checkWindowSize(window: number): void {
  if (!Number.isInteger(window) || window < 1 || window > MAX_WINDOW) {
    throw new RangeError(`window must be an integer in 1..${MAX_WINDOW}, got ${window}`);
  }
}

/** The sender's view of one stream: how many DATA bytes the peer will accept right now. */
export class SendWindow {
  #credit: number;

  constructor(initial: number = INITIAL_WINDOW) {
    checkWindowSize(initial);
    this.#credit = initial;
  }

  get credit(): number {
    return this.#credit;
  }

  /** Rule: never send more than the credit. Spends up to `n` bytes and returns how many may go now. */
  take(n: number): number {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`cannot take ${n} bytes of credit`);
    const allowed = Math.min(n, this.#credit);
    this.#credit -= allowed;
    return allowed;
  }

  /** Rule: a grant is a positive integer and never lifts the credit past MAX_WINDOW; else reset the stream. */
  grant(n: number): FlowResult {
    if (!Number.isInteger(n) || n < 1) return { ok: false, error: `window grant must be a positive integer, got ${n}` };
    if (this.#credit + n > MAX_WINDOW) {
      return { ok: false, error: `window grant of ${n} would raise the credit from ${this.#credit} past MAX_WINDOW (${MAX_WINDOW})` };
    }
    this.#credit += n;
    return { ok: true };
  }
}

/**
 * The receiver's view of one stream. Invariant: peer credit + bytes buffered + bytes consumed
 * but not yet granted back = window. So the peer can never make us hold more than `window`.
 */
export class ReceiveWindow {
  readonly window: number;
  #peerCredit: number;
  #buffered = 0;
  #ungranted = 0;

  constructor(window: number = INITIAL_WINDOW) {
    checkWindowSize(window);
    this.window = window;
    this.#peerCredit = window;
  }

  /** Bytes the peer may still send before it must wait for a grant. */
  get peerCredit(): number {
    return this.#peerCredit;
  }

  /** Bytes received and not yet consumed by the application. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Rule: DATA beyond the credit we granted is a protocol violation; the stream must be reset. */
  onData(n: number): FlowResult {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`cannot receive ${n} bytes`);
    if (n > this.#peerCredit) {
      return { ok: false, error: `peer sent ${n} bytes with only ${this.#peerCredit} bytes of credit` };
    }
    this.#peerCredit -= n;
    this.#buffered += n;
    return { ok: true };
  }

  /**
   * Rule: grant credit back once at least half the window has been consumed, so a busy stream
   * costs one WINDOW frame per half window, and a stalled sender (credit 0, so the whole
   * window is ours) is always unblocked once the application has read what it holds.
   * Returns the bytes to grant in a WINDOW frame now, or 0.
   */
  consumed(n: number): number {
    if (!Number.isInteger(n) || n < 0 || n > this.#buffered) {
      throw new RangeError(`cannot consume ${n} bytes with ${this.#buffered} buffered`);
    }
    this.#buffered -= n;
    this.#ungranted += n;
    if (this.#ungranted * 2 < this.window) return 0;
    const grant = this.#ungranted;
    this.#ungranted = 0;
    this.#peerCredit += grant;
    return grant;
  }
}

/**
 * Splits `payload` into DATA payloads that fit the credit and the frame size limit.
 * The chunks and the rest are views into `payload`, not copies.
 */
export function chunkForSend(
  payload: Uint8Array,
  credit: number,
  maxFrame: number = MAX_FRAME_PAYLOAD,
): { chunks: Uint8Array[]; rest: Uint8Array } {
  if (!Number.isInteger(maxFrame) || maxFrame < 1) throw new RangeError(`maxFrame must be a positive integer, got ${maxFrame}`);
  const sendable = Math.max(0, Math.min(payload.byteLength, credit));
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < sendable; offset += maxFrame) {
    chunks.push(payload.subarray(offset, Math.min(offset + maxFrame, sendable)));
  }
  return { chunks, rest: payload.subarray(sendable) };
}

export type GrantResult = { ok: true; ready: Uint8Array[] } | { ok: false; error: string };

/**
 * The outbound side of one stream: bytes the application wrote, sent as credit allows and
 * queued (in order) otherwise. Keeps views of pushed buffers, so do not reuse one after push.
 * `queuedBytes` is what the caller watches to pause its source (a socket, a file) when it grows.
 */
export class SendQueue {
  readonly #window: SendWindow;
  readonly #maxFrame: number;
  readonly #queue: Uint8Array[] = [];
  #queuedBytes = 0;

  constructor(initialCredit: number = INITIAL_WINDOW, maxFrame: number = MAX_FRAME_PAYLOAD) {
    this.#window = new SendWindow(initialCredit);
    this.#maxFrame = maxFrame;
  }

  get credit(): number {
    return this.#window.credit;
  }

  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Queues `bytes` behind anything already waiting; returns the DATA payloads to send now, in order. */
  push(bytes: Uint8Array): Uint8Array[] {
    if (bytes.byteLength > 0) {
      this.#queue.push(bytes);
      this.#queuedBytes += bytes.byteLength;
    }
    return this.#drain();
  }

  /** Applies a peer's WINDOW grant; returns the DATA payloads it lets go, or why the stream must be reset. */
  grant(n: number): GrantResult {
    const result = this.#window.grant(n);
    if (!result.ok) return result;
    return { ok: true, ready: this.#drain() };
  }

  #drain(): Uint8Array[] {
    const ready: Uint8Array[] = [];
    while (this.#queue.length > 0 && this.#window.credit > 0) {
      const head = this.#queue[0]!;
      const { chunks, rest } = chunkForSend(head, this.#window.credit, this.#maxFrame);
      const sent = head.byteLength - rest.byteLength;
      this.#window.take(sent);
      this.#queuedBytes -= sent;
      for (const chunk of chunks) ready.push(chunk);
      if (rest.byteLength === 0) this.#queue.shift();
      else this.#queue[0] = rest;
    }
    return ready;
  }
}
