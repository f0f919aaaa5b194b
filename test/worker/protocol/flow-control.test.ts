import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  chunkForSend,
  INITIAL_WINDOW,
  MAX_WINDOW,
  ReceiveWindow,
  SendQueue,
  SendWindow,
} from "../../../common/src/protocol/flow-control.ts";
import { decodeFrame, encodeFrame, FrameType, windowFrame, windowGrant, type Frame } from "../../../common/src/protocol/frames.ts";

/** Bytes whose value depends on their position, so a lost, doubled or reordered chunk shows. */
function patterned(start: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (Math.imul(start + i, 0x9e3779b1) >>> 24) & 0xff;
  return bytes;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

/** Frames go through the real codec, so the simulations below also exercise frames.ts. */
function wire(frame: Frame): Frame {
  const decoded = decodeFrame(encodeFrame(frame));
  if (!decoded.ok) throw new Error(decoded.error);
  return decoded.frame;
}

describe("SendWindow", () => {
  it("starts with INITIAL_WINDOW and lets through only what the credit covers", () => {
    const w = new SendWindow();
    expect(w.credit).toBe(INITIAL_WINDOW);
    expect(w.take(1000)).toBe(1000);
    expect(w.take(INITIAL_WINDOW)).toBe(INITIAL_WINDOW - 1000);
    expect(w.credit).toBe(0);
    expect(w.take(1)).toBe(0);
    expect(w.grant(10)).toEqual({ ok: true });
    expect(w.take(50)).toBe(10);
  });

  it("refuses a grant that would raise the credit past MAX_WINDOW, and leaves the credit as it was", () => {
    const w = new SendWindow(100);
    expect(w.grant(MAX_WINDOW - 100)).toEqual({ ok: true });
    const result = w.grant(1);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/would raise the credit from 16777216 past MAX_WINDOW \(16777216\)/);
    expect(w.credit).toBe(MAX_WINDOW);
  });

  it("refuses zero, negative and fractional grants", () => {
    const w = new SendWindow(10);
    for (const n of [0, -5, 1.5, Number.NaN]) {
      const result = w.grant(n);
      expect(!result.ok && result.error).toMatch(/window grant must be a positive integer/);
    }
    expect(w.credit).toBe(10);
  });

  it("never lets more bytes out than the initial credit plus accepted grants, whatever the interleaving", () => {
    const op = fc.oneof(
      fc.record({ take: fc.integer({ min: 0, max: 3 * INITIAL_WINDOW }) }),
      fc.record({ grant: fc.oneof(fc.integer({ min: -10, max: 2 * INITIAL_WINDOW }), fc.constant(MAX_WINDOW)) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 100 }), (ops) => {
        const w = new SendWindow();
        let allowed = INITIAL_WINDOW;
        let sent = 0;
        for (const o of ops) {
          if ("take" in o) {
            const n = w.take(o.take);
            expect(n).toBeLessThanOrEqual(o.take);
            sent += n;
          } else if (w.grant(o.grant).ok) {
            allowed += o.grant;
          }
          expect(sent).toBeLessThanOrEqual(allowed);
          expect(w.credit).toBe(allowed - sent);
          expect(w.credit).toBeGreaterThanOrEqual(0);
          expect(w.credit).toBeLessThanOrEqual(MAX_WINDOW);
        }
      }),
    );
  });
});

describe("ReceiveWindow", () => {
  it("detects a peer that sends more than its credit", () => {
    const r = new ReceiveWindow();
    expect(r.onData(INITIAL_WINDOW - 1)).toEqual({ ok: true });
    expect(r.onData(1)).toEqual({ ok: true });
    const over = r.onData(1);
    expect(over.ok).toBe(false);
    expect(!over.ok && over.error).toMatch(/peer sent 1 bytes with only 0 bytes of credit/);
  });

  it("grants back once half the window is consumed, and not before", () => {
    const r = new ReceiveWindow(1000);
    r.onData(1000);
    expect(r.consumed(499)).toBe(0);
    expect(r.peerCredit).toBe(0);
    expect(r.consumed(1)).toBe(500);
    expect(r.peerCredit).toBe(500);
    expect(r.consumed(500)).toBe(500);
    expect(r.peerCredit).toBe(1000);
    expect(r.onData(1001).ok).toBe(false);
  });

  it("refuses to consume bytes it never received (a caller bug)", () => {
    const r = new ReceiveWindow(100);
    r.onData(10);
    expect(() => r.consumed(11)).toThrow(/cannot consume 11 bytes with 10 buffered/);
  });

  it("a sender that ignores its credit is caught on the first byte past it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1 }), (window, sizes) => {
        const r = new ReceiveWindow(window);
        let received = 0;
        for (const size of sizes) {
          const result = r.onData(size);
          expect(result.ok).toBe(received + size <= window);
          if (!result.ok) return;
          received += size;
        }
      }),
    );
  });
});

describe("chunkForSend", () => {
  it("splits into frames within the credit and the frame limit, losing and reordering nothing", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 0, max: 4000 }), fc.integer({ min: 1, max: 1000 }), (payload, credit, maxFrame) => {
        const { chunks, rest } = chunkForSend(payload, credit, maxFrame);
        const sent = chunks.reduce((n, c) => n + c.byteLength, 0);
        expect(sent).toBe(Math.min(credit, payload.byteLength));
        for (const c of chunks) {
          expect(c.byteLength).toBeGreaterThan(0);
          expect(c.byteLength).toBeLessThanOrEqual(maxFrame);
        }
        expect([...concat([...chunks, rest])]).toEqual([...payload]);
      }),
    );
  });
});

/**
 * One stream, one direction: a SendQueue on one end and a ReceiveWindow on the other, DATA
 * frames one way and WINDOW frames back, each on its own FIFO as a WebSocket keeps order.
 * `choices` decides which actor moves next; when they run out the actors take turns.
 */
function simulateTransfer(params: { window: number; maxFrame: number; writes: number[]; consumes: number[]; choices: number[] }) {
  const { window, maxFrame, writes, consumes, choices } = params;
  const sender = new SendQueue(window, maxFrame);
  const receiver = new ReceiveWindow(window);
  const toReceiver: Frame[] = [];
  const toSender: Frame[] = [];
  const input: Uint8Array[] = [];
  const buffered: Uint8Array[] = [];
  const output: Uint8Array[] = [];
  let written = 0;
  let nextWrite = 0;
  let nextConsume = 0;

  const send = (payloads: Uint8Array[]) => {
    for (const payload of payloads) toReceiver.push(wire({ type: FrameType.DATA, streamId: 1, flags: 0, payload }));
  };
  const actions = [
    // the application writes its next piece
    () => {
      if (nextWrite >= writes.length) return false;
      const piece = patterned(written, writes[nextWrite++]!);
      written += piece.byteLength;
      input.push(piece);
      send(sender.push(piece));
      expect(sender.credit).toBeGreaterThanOrEqual(0);
      return true;
    },
    // a DATA frame arrives
    () => {
      const frame = toReceiver.shift();
      if (!frame) return false;
      const result = receiver.onData(frame.payload.byteLength);
      expect(result).toEqual({ ok: true });
      buffered.push(frame.payload);
      return true;
    },
    // the application reads some of what arrived
    () => {
      const head = buffered[0];
      if (!head) return false;
      const n = Math.min(head.byteLength, consumes[nextConsume++ % consumes.length]!);
      output.push(head.subarray(0, n));
      if (n === head.byteLength) buffered.shift();
      else buffered[0] = head.subarray(n);
      const grant = receiver.consumed(n);
      if (grant > 0) toSender.push(wire(windowFrame(1, grant)));
      return true;
    },
    // a WINDOW frame arrives
    () => {
      const frame = toSender.shift();
      if (!frame) return false;
      const result = sender.grant(windowGrant(frame));
      expect(result.ok).toBe(true);
      if (result.ok) send(result.ready);
      return true;
    },
  ];

  for (let step = 0; ; step++) {
    const first = step < choices.length ? choices[step]! : step;
    let moved = false;
    for (let k = 0; k < actions.length && !moved; k++) moved = actions[(first + k) % actions.length]!();
    if (!moved) break;
  }
  return { input: concat(input), output: concat(output), queued: sender.queuedBytes };
}

describe("flow control makes progress", () => {
  it("everything written arrives in order, whatever the write sizes, read sizes and scheduling (no deadlock)", () => {
    fc.assert(
      fc.property(
        fc.record({
          window: fc.integer({ min: 1, max: 4096 }),
          maxFrame: fc.integer({ min: 1, max: 2048 }),
          writes: fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 12 }),
          consumes: fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 8 }),
          choices: fc.array(fc.nat({ max: 3 }), { maxLength: 200 }),
        }),
        (params) => {
          const { input, output, queued } = simulateTransfer(params);
          expect(queued).toBe(0);
          expect(output.byteLength).toBe(input.byteLength);
          expect(output).toEqual(input);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("moves a 5 MiB body through the default window in 1-byte-to-64-KiB reads", () => {
    const { input, output } = simulateTransfer({
      window: INITIAL_WINDOW,
      maxFrame: 64 * 1024,
      writes: [5 * 1024 * 1024],
      consumes: [1, 65536, 4096, 30000],
      choices: [],
    });
    expect(output.byteLength).toBe(5 * 1024 * 1024);
    expect(output).toEqual(input);
  });
});

describe("per-stream windows", () => {
  it("a large download whose reader has stalled does not hold up a terminal on another stream", () => {
    fc.assert(
      fc.property(fc.integer({ min: INITIAL_WINDOW + 1, max: 8 * 1024 * 1024 }), fc.integer({ min: 1, max: 3 * INITIAL_WINDOW }), (bigSize, smallSize) => {
        const DOWNLOAD = 1;
        const TERMINAL = 3;
        const senders = new Map([[DOWNLOAD, new SendQueue()], [TERMINAL, new SendQueue()]]);
        const receivers = new Map([[DOWNLOAD, new ReceiveWindow()], [TERMINAL, new ReceiveWindow()]]);
        // One socket: a single FIFO carries both streams' frames.
        const socket: Frame[] = [];
        const send = (streamId: number, payloads: Uint8Array[]) => {
          for (const payload of payloads) socket.push(wire({ type: FrameType.DATA, streamId, flags: 0, payload }));
        };

        // The download is written first, in full; the terminal right after it.
        send(DOWNLOAD, senders.get(DOWNLOAD)!.push(new Uint8Array(bigSize)));
        const terminalInput = patterned(7, smallSize);
        send(TERMINAL, senders.get(TERMINAL)!.push(terminalInput));

        // The download's reader never reads; the terminal's reader reads everything at once.
        const terminalOutput: Uint8Array[] = [];
        let downloadReceived = 0;
        let downloadBytesAheadOfTerminal = 0;
        while (socket.length > 0) {
          const frame = socket.shift()!;
          expect(receivers.get(frame.streamId)!.onData(frame.payload.byteLength)).toEqual({ ok: true });
          if (frame.streamId === DOWNLOAD) {
            downloadReceived += frame.payload.byteLength;
            continue;
          }
          if (terminalOutput.length === 0) downloadBytesAheadOfTerminal = downloadReceived;
          terminalOutput.push(frame.payload);
          const grant = receivers.get(TERMINAL)!.consumed(frame.payload.byteLength);
          if (grant > 0) {
            const result = senders.get(TERMINAL)!.grant(windowGrant(wire(windowFrame(TERMINAL, grant))));
            if (result.ok) send(TERMINAL, result.ready);
          }
        }

        expect(concat(terminalOutput)).toEqual(terminalInput);
        // At most one window of the download ever got in front of the terminal's bytes…
        expect(downloadBytesAheadOfTerminal).toBeLessThanOrEqual(INITIAL_WINDOW);
        expect(downloadReceived).toBe(INITIAL_WINDOW);
        // …and the rest waits on the sender, not in the receiver's memory.
        expect(senders.get(DOWNLOAD)!.queuedBytes).toBe(bigSize - INITIAL_WINDOW);
        expect(receivers.get(DOWNLOAD)!.buffered).toBe(INITIAL_WINDOW);
      }),
      { numRuns: 30 },
    );
  });
});
