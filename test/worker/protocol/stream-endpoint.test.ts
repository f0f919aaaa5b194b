import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  decodeFrame,
  MAX_STREAM_MESSAGE,
  PTY_GRANT_STEP,
  PTY_STREAM_WINDOW,
  STREAM_CHUNK,
  STREAM_GRANT_STEP,
  STREAM_WINDOW,
  StreamEndpoint,
  StreamFlag,
  type Frame,
} from "@anchorage/common";

/** An end's flow settings: its window (the credit each side starts with) and its grant step. */
type Flow = { window: number; grantStep: number };
/** The first protocol's settings, as agents and objects that predate the larger windows run them. */
const FIRST_BYTES: Flow = { window: 1024 * 1024, grantStep: 512 * 1024 };
const FIRST_PTY: Flow = { window: 64 * 1024, grantStep: 32 * 1024 };
const NOW_BYTES: Flow = { window: STREAM_WINDOW, grantStep: STREAM_GRANT_STEP };
const NOW_PTY: Flow = { window: PTY_STREAM_WINDOW, grantStep: PTY_GRANT_STEP };

const frameOf = (bytes: Uint8Array) => (decodeFrame(bytes) as { ok: true; frame: Frame }).frame;

/**
 * Two ends of one stream joined by queues, so a test decides when frames are delivered; `b`'s
 * reader is told each payload, and any reset either end sees is recorded.
 */
function pair(window: number | { a: Flow; b: Flow }, reader: (payload: Uint8Array, b: StreamEndpoint, flags: number) => void) {
  const flows = typeof window === "number" ? { a: { window, grantStep: PTY_GRANT_STEP }, b: { window, grantStep: PTY_GRANT_STEP } } : window;
  const toB: Uint8Array[] = [];
  const toA: Uint8Array[] = [];
  const resets: string[] = [];
  const framesToB: Frame[] = [];
  const events = { onEnd: () => {}, onReset: (r: string) => void resets.push(r) };
  const a = new StreamEndpoint(1, (f) => toB.push(f), { onData: () => {}, ...events }, flows.a.window, flows.a.grantStep);
  const b: StreamEndpoint = new StreamEndpoint(1, (f) => toA.push(f), { onData: (p, flags) => reader(p, b, flags), ...events }, flows.b.window, flows.b.grantStep);
  const deliver = () => {
    let moved = 0;
    while (toB.length || toA.length) {
      for (const f of toB.splice(0)) {
        const frame = frameOf(f);
        framesToB.push(frame);
        b.receive(frame);
        moved++;
      }
      for (const f of toA.splice(0)) a.receive(frameOf(f)), moved++;
    }
    return moved;
  };
  return { a, b, deliver, resets, framesToB };
}

/** Deterministic bytes (a slice of a fixed pattern at a seeded offset), so what arrives can be compared with what was written. */
const PATTERN = Uint8Array.from({ length: 1024 * 1024 + 4096 }, (_, i) => (i * 31 + (i >> 10)) & 0xff);
const bytesOf = (n: number, seed: number) => {
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += 1024 * 1024) out.set(PATTERN.subarray((seed * 97) % 4096, (seed * 97) % 4096 + Math.min(1024 * 1024, n - at)), at);
  return out;
};
const join = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
};
/** Where two byte strings first differ, or -1 (a plain loop: deep equality of megabytes is slow). */
function firstDifference(x: Uint8Array, y: Uint8Array): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return i;
  return x.length === y.length ? -1 : n;
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

  it("never splits a message, and never sends past the credit", () => {
    const frames: { size: number; flags: number }[] = [];
    const a = new StreamEndpoint(1, (f) => {
      const d = decodeFrame(f);
      if (d.ok) frames.push({ size: d.frame.payload.length, flags: d.frame.flags });
    }, { onData: () => {}, onEnd: () => {}, onReset: () => {} }, 64 * 1024, 32 * 1024);
    void a.write(new Uint8Array(40 * 1024));
    void a.message(new Uint8Array(30 * 1024), false); // 24 KiB of credit left: it waits, whole
    expect(frames.map((f) => f.size)).toEqual([32 * 1024, 8 * 1024]);
    expect(a.queuedBytes).toBe(30 * 1024);
    a.receive({ type: 5, streamId: 1, flags: 0, payload: new Uint8Array([0, 0, 0x40, 0]) } as any); // +16 KiB
    expect(frames.at(-1)).toEqual({ size: 30 * 1024, flags: StreamFlag.FIN });
  });

  it("delivers every byte in order, and every message whole, whatever the writes and the reader's pace", async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("bytes" as const), n: fc.integer({ min: 0, max: 300 * 1024 }) }),
      fc.record({ kind: fc.constant("message" as const), n: fc.integer({ min: 0, max: 64 * 1024 }) }),
    );
    await fc.assert(
      // Readers as they are: messages consumed as they come, bytes in lumps of up to 16 KiB (a
      // client's acks). A message waits for credit enough for all of it, so on a terminal's small
      // window only small ones (controls) are sent; a larger one could wait on a grant that a lumpy
      // reader never sends.
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), fc.constantFrom(NOW_BYTES, NOW_PTY), fc.integer({ min: 1024, max: 16 * 1024 }), async (ops, flow, ackEvery) => {
        const bytes: Uint8Array[] = [];
        const messages: Uint8Array[] = [];
        let unacked = 0;
        const { a, deliver, resets } = pair({ a: flow, b: flow }, (p, b, flags) => {
          if (flags & StreamFlag.FIN) return void (messages.push(p.slice()), b.consumed(p.length));
          bytes.push(p.slice());
          unacked += p.length;
          if (unacked >= ackEvery) {
            b.consumed(unacked);
            unacked = 0;
          }
        });
        const wrote = { bytes: [] as Uint8Array[], messages: [] as Uint8Array[] };
        ops.forEach((o, i) => {
          const data = bytesOf(o.kind === "message" && flow === NOW_PTY ? o.n % 1024 : o.n, i);
          if (o.kind === "bytes") void a.write(data), wrote.bytes.push(data);
          else void a.message(data, false), wrote.messages.push(data);
        });
        while (deliver() > 0) await Promise.resolve();
        expect(resets).toEqual([]);
        expect(firstDifference(join(bytes), join(wrote.bytes))).toBe(-1);
        expect(messages.map((m, i) => firstDifference(m, wrote.messages[i]!))).toEqual(wrote.messages.map(() => -1));
        expect(a.queuedBytes).toBe(0);
      }),
      { numRuns: 40 },
    );
  });

  it("works with a peer of the first protocol (1 MiB and 64 KiB windows) either way round: no stall, no violation", async () => {
    const cases = [
      { a: NOW_BYTES, b: FIRST_BYTES },
      { a: FIRST_BYTES, b: NOW_BYTES },
      { a: NOW_PTY, b: FIRST_PTY },
      { a: FIRST_PTY, b: NOW_PTY },
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...cases), fc.array(fc.integer({ min: 1, max: 512 * 1024 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 1024, max: 16 * 1024 }), async (flows, sizes, ackEvery) => {
        const got: Uint8Array[] = [];
        let unacked = 0;
        // A reader as slow as a DO waiting on its client: it consumes only in lumps of `ackEvery`.
        const { a, deliver, resets } = pair(flows, (p, b) => {
          got.push(p.slice());
          unacked += p.length;
          if (unacked >= ackEvery) {
            b.consumed(unacked);
            unacked = 0;
          }
        });
        const wrote = sizes.map((n, i) => bytesOf(n, i));
        let written = 0;
        for (const w of wrote) void a.write(w).then(() => written++);
        while (deliver() > 0) await Promise.resolve();
        await Promise.resolve();
        expect(resets).toEqual([]);
        expect(firstDifference(join(got), join(wrote))).toBe(-1);
        expect(written).toBe(wrote.length);
      }),
      { numRuns: 60 },
    );
  });

  it("sends writes that waited for credit together, as one frame", () => {
    const { a, deliver, framesToB } = pair({ a: NOW_PTY, b: NOW_PTY }, () => {});
    void a.write(new Uint8Array(PTY_STREAM_WINDOW)); // all the credit there is
    deliver();
    const before = framesToB.length;
    for (let i = 0; i < 20; i++) void a.write(bytesOf(1000, i)); // twenty small reads of a shell, waiting
    expect(a.queuedBytes).toBe(20_000);
    a.receive({ type: 5, streamId: 1, flags: 0, payload: new Uint8Array([0, 1, 0, 0]) } as Frame); // +64 KiB
    deliver();
    const after = framesToB.slice(before);
    expect(after.map((f) => f.payload.length)).toEqual([20_000]);
    expect(after[0]!.payload).toEqual(join(Array.from({ length: 20 }, (_, i) => bytesOf(1000, i))));
  });

  it("resets a peer that sends past its window and one message of slack", () => {
    const resets: string[] = [];
    const sent: Frame[] = [];
    const b = new StreamEndpoint(1, (f) => sent.push(frameOf(f)), { onData: () => {}, onEnd: () => {}, onReset: (r) => void resets.push(r) }, STREAM_WINDOW, STREAM_GRANT_STEP);
    for (let n = 0; n <= STREAM_WINDOW + MAX_STREAM_MESSAGE; n += STREAM_CHUNK) b.receive({ type: 2, streamId: 1, flags: 0, payload: new Uint8Array(STREAM_CHUNK) } as Frame);
    expect(resets).toEqual(["flow control violated"]);
    expect(sent.at(-1)?.type).toBe(4);
  });
});
