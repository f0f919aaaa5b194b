import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decodeFrame, MAX_STREAM_MESSAGE, PTY_STREAM_WINDOW, STREAM_WINDOW, StreamEndpoint, StreamFlag } from "@anchorage/common";

/** Two ends of one stream joined by queues, so a test decides when frames are delivered. */
function pair(window: number, reader: (payload: Uint8Array, b: StreamEndpoint) => void) {
  const toB: Uint8Array[] = [];
  const toA: Uint8Array[] = [];
  const noop = { onEnd: () => {}, onReset: () => {} };
  const a = new StreamEndpoint(1, (f) => toB.push(f), { onData: () => {}, ...noop }, window);
  const b: StreamEndpoint = new StreamEndpoint(1, (f) => toA.push(f), { onData: (p) => reader(p, b), ...noop }, window);
  const deliver = () => {
    let moved = 0;
    while (toB.length || toA.length) {
      for (const f of toB.splice(0)) b.receive((decodeFrame(f) as { ok: true; frame: any }).frame), moved++;
      for (const f of toA.splice(0)) a.receive((decodeFrame(f) as { ok: true; frame: any }).frame), moved++;
    }
    return moved;
  };
  return { a, b, deliver };
}

describe("a stream's flow control", () => {
  it("keeps a byte stream moving when the reader grants only in lumps (a client acknowledging every 16 KiB or so)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 40 * 1024 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1024, max: 30 * 1024 }), async (pieces, ackEvery) => {
        let received = 0;
        let unacked = 0;
        const { a, deliver } = pair(PTY_STREAM_WINDOW, (p, b) => {
          received += p.length;
          unacked += p.length;
          // Credit goes back as an acknowledging client gives it: all it has, once it has enough.
          if (unacked >= ackEvery) {
            b.consumed(unacked);
            unacked = 0;
          }
        });
        let written = 0;
        for (const n of pieces) void a.write(new Uint8Array(n)).then(() => written++);
        while (deliver() > 0) await Promise.resolve();
        const total = pieces.reduce((x, y) => x + y, 0);
        expect(received).toBe(total);
        await Promise.resolve();
        expect(written).toBe(pieces.length);
      }),
      { numRuns: 300 },
    );
  });

  // The reader grants once it has consumed half a window. A message that waited for credit enough
  // for all of it while less than that was outstanding waited for a grant that never comes: both
  // ends stalled for good (a WebSocket carrying a notebook's large outputs, say).
  it("sends a message that does not fit when no grant can come (less than half a window outstanding), and waits while one will", async () => {
    for (const [window, first, second] of [
      [STREAM_WINDOW, 450 * 1024, 700 * 1024], // a byte stream's window: two large WebSocket messages
      [PTY_STREAM_WINDOW, 10 * 1024, 60 * 1024], // a terminal's: a little output, then a large control message
    ] as const) {
      const got: number[] = [];
      const { a, deliver } = pair(window, (p, b) => (got.push(p.length), b.consumed(p.length)));
      let sent = 0;
      void a.message(new Uint8Array(first), false).then(() => sent++);
      deliver();
      void a.message(new Uint8Array(second), false).then(() => sent++);
      deliver();
      await Promise.resolve();
      expect(got).toEqual([first, second]);
      expect(sent).toBe(2);
    }
    // Half a window or more outstanding (not yet consumed): the grant is sure to come, so it waits.
    const frames: number[] = [];
    const a = new StreamEndpoint(1, (f) => {
      const d = decodeFrame(f);
      if (d.ok) frames.push(d.frame.payload.length);
    }, { onData: () => {}, onEnd: () => {}, onReset: () => {} }, PTY_STREAM_WINDOW);
    void a.message(new Uint8Array(PTY_STREAM_WINDOW / 2), false);
    void a.message(new Uint8Array(PTY_STREAM_WINDOW / 2 + 1), false);
    expect(frames).toEqual([PTY_STREAM_WINDOW / 2]);
    expect(a.queuedBytes).toBe(PTY_STREAM_WINDOW / 2 + 1);
  });

  it("keeps many messages of any size moving to a reader that consumes them, however the sizes fall", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: MAX_STREAM_MESSAGE }), { minLength: 1, maxLength: 12 }), async (sizes) => {
        const got: number[] = [];
        const { a, deliver } = pair(STREAM_WINDOW, (p, b) => (got.push(p.length), b.consumed(p.length)));
        for (const n of sizes) void a.message(new Uint8Array(n), false);
        while (deliver() > 0) await Promise.resolve();
        expect(got).toEqual(sizes);
      }),
      { numRuns: 100 },
    );
  });

  it("never splits a message, and never sends past the credit", () => {
    const frames: { size: number; flags: number }[] = [];
    const a = new StreamEndpoint(1, (f) => {
      const d = decodeFrame(f);
      if (d.ok) frames.push({ size: d.frame.payload.length, flags: d.frame.flags });
    }, { onData: () => {}, onEnd: () => {}, onReset: () => {} }, 64 * 1024);
    void a.write(new Uint8Array(40 * 1024));
    void a.message(new Uint8Array(30 * 1024), false); // 24 KiB of credit left: it waits, whole
    expect(frames.map((f) => f.size)).toEqual([32 * 1024, 8 * 1024]);
    expect(a.queuedBytes).toBe(30 * 1024);
    a.receive({ type: 5, streamId: 1, flags: 0, payload: new Uint8Array([0, 0, 0x40, 0]) } as any); // +16 KiB
    expect(frames.at(-1)).toEqual({ size: 30 * 1024, flags: StreamFlag.FIN });
  });
});
