import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Scrollback } from "../../../agent/src/terminal/scrollback.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("terminal scrollback", () => {
  it("replays from an offset, and from the oldest byte held when the offset has scrolled away", () => {
    const sb = new Scrollback(8);
    sb.append(bytes("abcdef"));
    sb.append(bytes("ghijkl"));
    expect(sb).toMatchObject({ start: 4, end: 12 });
    expect(text(sb.since(6).bytes)).toBe("ghijkl");
    expect(sb.since(0)).toMatchObject({ from: 4 });
    expect(text(sb.since(0).bytes)).toBe("efghijkl");
    expect(sb.since(99)).toMatchObject({ from: 12 });
    expect(sb.since(99).bytes.length).toBe(0);
  });

  it("holds exactly the last `capacity` bytes, whatever the write sizes", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 30 }), fc.integer({ min: 1, max: 64 }), fc.nat(2000), (writes, capacity, offset) => {
        const sb = new Scrollback(capacity);
        const all: number[] = [];
        for (const w of writes) {
          sb.append(w);
          all.push(...w);
        }
        expect(sb.end).toBe(all.length);
        expect(sb.start).toBe(Math.max(0, all.length - capacity));
        const { from, bytes: got } = sb.since(offset);
        expect(from).toBe(Math.min(Math.max(offset, sb.start), sb.end));
        expect([...got]).toEqual(all.slice(from));
      }),
    );
  });
});
