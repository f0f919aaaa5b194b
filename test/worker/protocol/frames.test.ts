import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeFrame,
  encodeFrame,
  FRAME_HEADER_BYTES,
  FrameType,
  isInitiatedBy,
  MAX_FRAME_PAYLOAD,
  MAX_STREAM_ID,
  resetFrame,
  resetReason,
  StreamIdAllocator,
  windowFrame,
  windowGrant,
  type Frame,
  type StreamSide,
} from "../../../common/src/protocol/frames.ts";

const streamIdArb = fc.integer({ min: 1, max: MAX_STREAM_ID });
const flagsArb = fc.integer({ min: 0, max: 0xff });
const windowFrameArb = fc
  .tuple(streamIdArb, fc.integer({ min: 1, max: MAX_STREAM_ID }), flagsArb)
  .map(([streamId, grant, flags]): Frame => ({ ...windowFrame(streamId, grant), flags }));
const otherFrameArb = fc.record({
  type: fc.constantFrom(FrameType.OPEN, FrameType.DATA, FrameType.END, FrameType.RESET),
  streamId: streamIdArb,
  flags: flagsArb,
  payload: fc.uint8Array({ maxLength: 300 }),
});
const frameArb: fc.Arbitrary<Frame> = fc.oneof(otherFrameArb, windowFrameArb);

/** Bytes that are often nearly a frame, so the decoder's later checks get exercised, not just the first. */
const nearFrameBytesArb = fc
  .tuple(
    fc.oneof(fc.integer({ min: 0x10, max: 0x1f }), fc.integer({ min: 0, max: 0xff })),
    flagsArb,
    fc.oneof(fc.constant([0, 0]), fc.tuple(fc.integer({ min: 0, max: 0xff }), fc.integer({ min: 0, max: 0xff }))),
    fc.oneof(fc.constant(0), streamIdArb),
    fc.uint8Array({ maxLength: 12 }),
  )
  .map(([first, flags, reserved, streamId, payload]) => {
    const bytes = new Uint8Array(FRAME_HEADER_BYTES + payload.byteLength);
    bytes.set([first, flags, ...reserved], 0);
    new DataView(bytes.buffer).setUint32(4, streamId);
    bytes.set(payload, FRAME_HEADER_BYTES);
    return bytes;
  });

function header(first: number, streamId: number, reserved: [number, number] = [0, 0]): Uint8Array {
  const bytes = new Uint8Array(FRAME_HEADER_BYTES);
  bytes.set([first, 0, ...reserved]);
  new DataView(bytes.buffer).setUint32(4, streamId);
  return bytes;
}

function withPayload(head: Uint8Array, payload: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(head.byteLength + payload.byteLength);
  bytes.set(head);
  bytes.set(payload, head.byteLength);
  return bytes;
}

function decodeError(bytes: ArrayBuffer | Uint8Array): string {
  const result = decodeFrame(bytes);
  if (result.ok) throw new Error(`expected a refusal, got a ${result.frame.type} frame`);
  return result.error;
}

describe("binary frame layout", () => {
  it("puts version and type, flags, zero reserved bytes and a big-endian stream id in 8 header bytes", () => {
    const bytes = encodeFrame({ type: FrameType.DATA, streamId: 0x01020304, flags: 0x80, payload: new Uint8Array([0xaa, 0xbb]) });
    expect([...bytes]).toEqual([0x12, 0x80, 0, 0, 0x01, 0x02, 0x03, 0x04, 0xaa, 0xbb]);
  });

  it("round-trips any valid frame, from a Uint8Array, an ArrayBuffer, or a view at an offset", () => {
    fc.assert(
      fc.property(frameArb, fc.uint8Array({ maxLength: 16 }), (frame, prefix) => {
        const bytes = encodeFrame(frame);
        const atOffset = withPayload(prefix, bytes).subarray(prefix.byteLength);
        const copied = bytes.slice().buffer;
        for (const input of [bytes, copied, atOffset]) {
          const result = decodeFrame(input);
          expect(result.ok).toBe(true);
          if (!result.ok) return;
          expect(result.frame.type).toBe(frame.type);
          expect(result.frame.streamId).toBe(frame.streamId);
          expect(result.frame.flags).toBe(frame.flags);
          expect([...result.frame.payload]).toEqual([...frame.payload]);
        }
      }),
    );
  });

  it("never throws on arbitrary bytes, and whatever it accepts re-encodes to the same bytes", () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), nearFrameBytesArb), (bytes) => {
        const result = decodeFrame(bytes);
        if (result.ok) expect([...encodeFrame(result.frame)]).toEqual([...bytes]);
        else expect(result.error).toMatch(/\w/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("malformed frames are refused with a clear error", () => {
  const data = FrameType.DATA | 0x10;
  const win = FrameType.WINDOW | 0x10;

  it("a truncated header", () => {
    expect(decodeError(new Uint8Array())).toMatch(/0 bytes is shorter than the 8-byte header/);
    expect(decodeError(header(data, 1).subarray(0, 7))).toMatch(/7 bytes is shorter than the 8-byte header/);
    expect(decodeFrame(header(data, 1)).ok).toBe(true);
  });

  it("a detached buffer, without throwing", () => {
    const buffer = encodeFrame({ type: FrameType.DATA, streamId: 1, flags: 0, payload: new Uint8Array(4) }).buffer;
    structuredClone(buffer, { transfer: [buffer] });
    expect(decodeError(buffer)).toMatch(/shorter than the 8-byte header/);
  });

  it("an unknown format version", () => {
    expect(decodeError(header(0x02, 1))).toMatch(/unsupported frame version 0, expected 1/);
    expect(decodeError(header(0x22, 1))).toMatch(/unsupported frame version 2, expected 1/);
  });

  it("an unknown frame type", () => {
    expect(decodeError(header(0x10, 1))).toMatch(/unknown frame type 0/);
    expect(decodeError(header(0x16, 1))).toMatch(/unknown frame type 6/);
    expect(decodeError(header(0x1f, 1))).toMatch(/unknown frame type 15/);
  });

  it("nonzero reserved bytes", () => {
    expect(decodeError(header(data, 1, [1, 0]))).toMatch(/reserved header bytes must be 0, got 1 and 0/);
    expect(decodeError(header(data, 1, [0, 0x80]))).toMatch(/reserved header bytes must be 0, got 0 and 128/);
  });

  it("the reserved stream id 0", () => {
    expect(decodeError(header(data, 0))).toMatch(/stream id must be an integer in 1\.\.4294967295, got 0/);
    expect(decodeFrame(header(data, MAX_STREAM_ID)).ok).toBe(true);
  });

  it("a payload of MAX_FRAME_PAYLOAD + 1 bytes, while exactly MAX_FRAME_PAYLOAD passes", () => {
    const atMax = decodeFrame(withPayload(header(data, 1), new Uint8Array(MAX_FRAME_PAYLOAD)));
    expect(atMax.ok && atMax.frame.payload.byteLength).toBe(MAX_FRAME_PAYLOAD);
    expect(decodeError(withPayload(header(data, 1), new Uint8Array(MAX_FRAME_PAYLOAD + 1)))).toMatch(
      /payload of 1048577 bytes exceeds MAX_FRAME_PAYLOAD \(1048576\)/,
    );
  });

  it("a WINDOW payload that is not exactly 4 bytes", () => {
    for (const size of [0, 3, 5, 8]) {
      expect(decodeError(withPayload(header(win, 1), new Uint8Array(size).fill(1)))).toMatch(
        new RegExp(`WINDOW payload must be 4 bytes, got ${size}`),
      );
    }
  });

  it("a WINDOW grant of zero bytes", () => {
    expect(decodeError(withPayload(header(win, 1), new Uint8Array(4)))).toMatch(/WINDOW grant must be at least 1 byte, got 0/);
  });
});

describe("encoding refuses frames the peer would refuse", () => {
  const ok: Frame = { type: FrameType.DATA, streamId: 1, flags: 0, payload: new Uint8Array() };

  it.each([
    ["stream id 0", { ...ok, streamId: 0 }, /stream id/],
    ["a stream id past uint32", { ...ok, streamId: MAX_STREAM_ID + 1 }, /stream id/],
    ["a fractional stream id", { ...ok, streamId: 1.5 }, /stream id/],
    ["flags past a byte", { ...ok, flags: 0x100 }, /flags must be a byte/],
    ["an unknown type", { ...ok, type: 9 as Frame["type"] }, /unknown frame type 9/],
    ["an oversized payload", { ...ok, payload: new Uint8Array(MAX_FRAME_PAYLOAD + 1) }, /exceeds MAX_FRAME_PAYLOAD/],
    ["a zero WINDOW grant", { ...ok, type: FrameType.WINDOW, payload: new Uint8Array(4) }, /at least 1 byte/],
  ])("%s", (_name, frame, error) => {
    expect(() => encodeFrame(frame)).toThrow(RangeError);
    expect(() => encodeFrame(frame)).toThrow(error);
  });
});

describe("typed payloads", () => {
  it("a WINDOW frame carries its grant as a big-endian uint32", () => {
    const frame = windowFrame(7, 0x00040000);
    expect([...encodeFrame(frame).subarray(FRAME_HEADER_BYTES)]).toEqual([0, 4, 0, 0]);
    const decoded = decodeFrame(encodeFrame(frame));
    expect(decoded.ok && windowGrant(decoded.frame)).toBe(0x00040000);
  });

  it("a WINDOW grant that would not fit a uint32 is refused rather than wrapped", () => {
    for (const grant of [0, -1, 2 ** 32, 2 ** 32 + 5, 1.5]) expect(() => windowFrame(1, grant)).toThrow(RangeError);
    expect(windowGrant(windowFrame(1, 2 ** 32 - 1))).toBe(2 ** 32 - 1);
  });

  it("a RESET frame carries a UTF-8 reason", () => {
    const decoded = decodeFrame(encodeFrame(resetFrame(3, "upstream refused — ECONNREFUSED")));
    expect(decoded.ok && decoded.frame.type).toBe(FrameType.RESET);
    expect(decoded.ok && resetReason(decoded.frame)).toBe("upstream refused — ECONNREFUSED");
  });
});

describe("stream ids", () => {
  it("the DO opens odd ids and the agent even ones; 0 and ids past uint32 belong to neither", () => {
    fc.assert(
      fc.property(streamIdArb, (id) => {
        expect(isInitiatedBy(id, "do")).toBe(id % 2 === 1);
        expect(isInitiatedBy(id, "agent")).toBe(!isInitiatedBy(id, "do"));
      }),
    );
    for (const id of [0, MAX_STREAM_ID + 1, -1, 2.5]) {
      expect(isInitiatedBy(id, "do")).toBe(false);
      expect(isInitiatedBy(id, "agent")).toBe(false);
    }
  });

  it("the allocator climbs, wraps past the top to the side's first id, and skips ids still live", () => {
    const ids = new StreamIdAllocator("agent", 8);
    expect([ids.allocate(), ids.allocate(), ids.allocate()]).toEqual([2, 4, 6]);
    ids.release(4);
    expect(ids.allocate()).toBe(8); // released ids are not reused at once
    expect(ids.allocate()).toBe(4); // wrapped, skipped live 2
    expect(() => ids.allocate()).toThrow(/all 4 stream ids of side "agent" are live/);
    ids.release(6);
    expect(ids.allocate()).toBe(6);

    const doIds = new StreamIdAllocator("do", 5);
    expect([doIds.allocate(), doIds.allocate(), doIds.allocate()]).toEqual([1, 3, 5]);
    doIds.release(1);
    expect(doIds.allocate()).toBe(1);
  });

  it("never hands out a live id, respects parity and range, and refuses only when every id is live", () => {
    const command = fc.oneof(fc.constant({ op: "allocate" as const }), fc.nat().map((pick) => ({ op: "release" as const, pick })));
    fc.assert(
      fc.property(fc.constantFrom<StreamSide>("do", "agent"), fc.integer({ min: 2, max: 24 }), fc.array(command, { maxLength: 200 }), (side, maxId, commands) => {
        const ids = new StreamIdAllocator(side, maxId);
        const capacity = side === "do" ? Math.ceil(maxId / 2) : Math.floor(maxId / 2);
        const live = new Set<number>();
        for (const c of commands) {
          if (c.op === "release") {
            const id = [...live][c.pick % Math.max(1, live.size)];
            if (id === undefined) continue;
            ids.release(id);
            live.delete(id);
          } else if (live.size === capacity) {
            expect(() => ids.allocate()).toThrow(RangeError);
          } else {
            const id = ids.allocate();
            expect(live.has(id)).toBe(false);
            expect(isInitiatedBy(id, side)).toBe(true);
            expect(id).toBeLessThanOrEqual(maxId);
            live.add(id);
          }
          expect(ids.liveCount).toBe(live.size);
        }
      }),
    );
  });

  it("the default allocator uses the whole uint32 space", () => {
    expect(new StreamIdAllocator("do").maxId).toBe(MAX_STREAM_ID);
    expect(() => new StreamIdAllocator("agent", 1)).toThrow(RangeError);
  });
});
