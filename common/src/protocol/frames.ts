/**
 * Binary frames of the agent ↔ InstanceDO socket (DESIGN.md, "Agent ↔ InstanceDO protocol").
 * JSON control messages travel as text frames (messages.ts); stream bytes travel as binary
 * frames laid out here. Shared by the DO (workerd) and the agent (Node 22 type stripping), so:
 * no Node Buffer, no TS enums, no namespaces.
 *
 * Layout, 8-byte header then payload (the WebSocket message delimits it, so no length field):
 *
 *   byte 0     high nibble: frame format version (1); low nibble: frame type
 *   byte 1     flags (meaning per type, carried unchanged by this module)
 *   bytes 2-3  reserved, must be 0
 *   bytes 4-7  stream id, uint32 big-endian, never 0
 *   bytes 8-   payload
 */

export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 8;
/**
 * Largest payload of one frame. Workers accept received WebSocket messages up to 32 MiB
 * (Durable Objects limits page; it was 1 MiB before Oct 2025); 1 MiB keeps a frame far below
 * that and bounds what either side buffers per message.
 */
export const MAX_FRAME_PAYLOAD = 1024 * 1024;
export const MAX_STREAM_ID = 0xffff_ffff;

export const FrameType = {
  /** Opens a stream; payload is UTF-8 JSON saying what the stream is (validated a layer up). */
  OPEN: 1,
  /** Stream bytes. */
  DATA: 2,
  /** Half-close: the sender will send no more DATA on this stream. */
  END: 3,
  /** Aborts the stream both ways; payload is a UTF-8 reason. */
  RESET: 4,
  /** Flow-control credit; payload is the uint32 BE number of bytes granted (flow-control.ts). */
  WINDOW: 5,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export type Frame = {
  type: FrameType;
  streamId: number;
  /** 0–255; meaning per type, reserved for the stream layer. */
  flags: number;
  payload: Uint8Array;
};

export type DecodeResult = { ok: true; frame: Frame } | { ok: false; error: string };

const WINDOW_PAYLOAD_BYTES = 4;
const frameTypes = new Set<number>(Object.values(FrameType));

/** Why a frame may not go on the wire, or undefined when it may. Shared by encode and decode. */
function frameProblem(type: number, streamId: number, flags: number, payload: Uint8Array): string | undefined {
  if (!frameTypes.has(type)) return `unknown frame type ${type}`;
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xff) return `flags must be a byte, got ${flags}`;
  // Stream id 0 is reserved so a zeroed or truncated header can never address a live stream.
  if (!Number.isInteger(streamId) || streamId < 1 || streamId > MAX_STREAM_ID) {
    return `stream id must be an integer in 1..${MAX_STREAM_ID}, got ${streamId}`;
  }
  if (payload.byteLength > MAX_FRAME_PAYLOAD) {
    return `payload of ${payload.byteLength} bytes exceeds MAX_FRAME_PAYLOAD (${MAX_FRAME_PAYLOAD})`;
  }
  if (type === FrameType.WINDOW) {
    if (payload.byteLength !== WINDOW_PAYLOAD_BYTES) {
      return `WINDOW payload must be ${WINDOW_PAYLOAD_BYTES} bytes, got ${payload.byteLength}`;
    }
    // A zero grant changes nothing; refusing it keeps a buggy peer from spinning us.
    if (readUint32(payload, 0) === 0) return "WINDOW grant must be at least 1 byte, got 0";
  }
  return undefined;
}

/** The wire bytes of a frame. Throws RangeError on a frame that decodeFrame would refuse (a caller bug). */
export function encodeFrame(frame: Frame): Uint8Array<ArrayBuffer> {
  const problem = frameProblem(frame.type, frame.streamId, frame.flags, frame.payload);
  if (problem) throw new RangeError(`cannot encode frame: ${problem}`);
  const bytes = new Uint8Array(FRAME_HEADER_BYTES + frame.payload.byteLength);
  bytes[0] = (FRAME_VERSION << 4) | frame.type;
  bytes[1] = frame.flags;
  // bytes 2-3 stay 0 (reserved)
  new DataView(bytes.buffer).setUint32(4, frame.streamId, false);
  bytes.set(frame.payload, FRAME_HEADER_BYTES);
  return bytes;
}

/**
 * Parses one binary WebSocket message. Never throws: the bytes come from the peer, and a bad
 * frame is answered by closing or resetting, not by crashing the DO or the agent.
 * The payload is a view into `bytes`, not a copy.
 */
export function decodeFrame(bytes: ArrayBuffer | Uint8Array): DecodeResult {
  // Check the length before building a view: a detached buffer has byteLength 0, and
  // `new Uint8Array(detached)` would throw.
  if (bytes.byteLength < FRAME_HEADER_BYTES) {
    return { ok: false, error: `frame of ${bytes.byteLength} bytes is shorter than the ${FRAME_HEADER_BYTES}-byte header` };
  }
  // isView rather than instanceof: a Node Buffer or a view from another realm works too.
  const view = ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
  const first = view[0]!;
  const version = first >> 4;
  if (version !== FRAME_VERSION) {
    return { ok: false, error: `unsupported frame version ${version}, expected ${FRAME_VERSION}` };
  }
  if (view[2] !== 0 || view[3] !== 0) {
    return { ok: false, error: `reserved header bytes must be 0, got ${view[2]} and ${view[3]}` };
  }
  const type = first & 0x0f;
  const flags = view[1]!;
  const streamId = readUint32(view, 4);
  const payload = view.subarray(FRAME_HEADER_BYTES);
  const problem = frameProblem(type, streamId, flags, payload);
  if (problem) return { ok: false, error: problem };
  return { ok: true, frame: { type: type as FrameType, streamId, flags, payload } };
}

/** A WINDOW frame granting `bytes` more credit on a stream. Throws RangeError outside 1..2^32-1. */
export function windowFrame(streamId: number, bytes: number): Frame {
  // setUint32 would silently wrap a larger number into a smaller grant.
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 0xffff_ffff) {
    throw new RangeError(`WINDOW grant must be an integer in 1..${0xffff_ffff}, got ${bytes}`);
  }
  const payload = new Uint8Array(WINDOW_PAYLOAD_BYTES);
  new DataView(payload.buffer).setUint32(0, bytes, false);
  return { type: FrameType.WINDOW, streamId, flags: 0, payload };
}

/** The credit a decoded WINDOW frame grants (decodeFrame has checked its size and that it is > 0). */
export function windowGrant(frame: Frame): number {
  return readUint32(frame.payload, 0);
}

/** A RESET frame carrying a human-readable reason. */
export function resetFrame(streamId: number, reason: string): Frame {
  return { type: FrameType.RESET, streamId, flags: 0, payload: new TextEncoder().encode(reason) };
}

/** The reason of a RESET frame; invalid UTF-8 shows as U+FFFD rather than failing. */
export function resetReason(frame: Frame): string {
  return new TextDecoder().decode(frame.payload);
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, false);
}

// ── stream ids ─────────────────────────────────────────────────────────────

/** Which end of the socket opened a stream. Ids never collide: the DO opens odd ids, the agent even. */
export type StreamSide = "do" | "agent";

export function isInitiatedBy(streamId: number, side: StreamSide): boolean {
  if (!Number.isInteger(streamId) || streamId < 1 || streamId > MAX_STREAM_ID) return false;
  return side === "do" ? streamId % 2 === 1 : streamId % 2 === 0;
}

/**
 * Hands out stream ids for one side of the socket. Ids climb and wrap around the id space,
 * skipping ids still live, so a long-lived socket never runs out and a late frame for a
 * closed stream is unlikely to hit a new one.
 */
export class StreamIdAllocator {
  readonly side: StreamSide;
  readonly maxId: number;
  readonly #first: number;
  readonly #capacity: number;
  readonly #live = new Set<number>();
  #next: number;

  /** `maxId` is the top of the id space; only tests shrink it, to exercise wrap-around and exhaustion. */
  constructor(side: StreamSide, maxId: number = MAX_STREAM_ID) {
    if (!Number.isInteger(maxId) || maxId < 2 || maxId > MAX_STREAM_ID) {
      throw new RangeError(`maxId must be an integer in 2..${MAX_STREAM_ID}, got ${maxId}`);
    }
    this.side = side;
    this.maxId = maxId;
    // 0 is reserved, so the DO's ids are 1, 3, 5… and the agent's 2, 4, 6…
    this.#first = side === "do" ? 1 : 2;
    this.#capacity = side === "do" ? Math.ceil(maxId / 2) : Math.floor(maxId / 2);
    this.#next = this.#first;
  }

  /** Number of ids handed out and not yet released. */
  get liveCount(): number {
    return this.#live.size;
  }

  isLive(streamId: number): boolean {
    return this.#live.has(streamId);
  }

  /** A fresh id, live until release(). Throws when every id of this side is live. */
  allocate(): number {
    if (this.#live.size >= this.#capacity) throw new RangeError(`all ${this.#capacity} stream ids of side "${this.side}" are live`);
    let id = this.#next;
    while (this.#live.has(id)) id = this.#after(id);
    this.#live.add(id);
    this.#next = this.#after(id);
    return id;
  }

  /** Frees an id once its stream is fully closed (both ENDs, or a RESET). */
  release(streamId: number): void {
    this.#live.delete(streamId);
  }

  #after(id: number): number {
    return id + 2 > this.maxId ? this.#first : id + 2;
  }
}
