import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { observe, type Watch } from "../../../src/alerts/alert-state.ts";

describe("alerts: one machine's state machine (observe)", () => {
  it("fires once after the grace, resolves once, and a flap shorter than the grace sends nothing", () => {
    let w: Watch | undefined;
    const at = (t: number, holds: boolean | null) => {
      const s = observe(w, holds, t, 5000);
      w = s.next;
      return s.event;
    };
    expect(at(0, true)).toBe(null); // pending
    expect(at(2000, false)).toBe(null); // a 2 s flap: nothing
    expect(at(3000, true)).toBe(null);
    expect(at(7999, true)).toBe(null);
    expect(at(8000, true)).toBe("firing");
    expect(w).toMatchObject({ state: "firing", since: 3000 });
    expect(at(20_000, true)).toBe(null); // once
    expect(at(21_000, null)).toBe(null); // unknown keeps a firing
    expect(at(22_000, false)).toBe("resolved");
    expect(at(23_000, false)).toBe(null);
    expect(at(24_000, true)).toBe(null);
    expect(at(25_000, null)).toBe(null); // unknown drops a grace …
    expect(at(29_500, true)).toBe(null); // … so it starts again
    expect(w).toMatchObject({ state: "pending", since: 29_500 });
  });

  it("for any observations: firings and resolveds alternate, and a firing only after the condition held for the whole grace", () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 10_000 }),
      fc.array(fc.record({ dt: fc.integer({ min: 0, max: 4000 }), holds: fc.constantFrom(true, false, null) }), { maxLength: 60 }),
      (forMs, steps) => {
        let w: Watch | undefined;
        let t = 0;
        let heldSince: number | null = null; // since when the condition held without a break (false or unknown)
        let last: "firing" | "resolved" | null = null;
        for (const { dt, holds } of steps) {
          t += dt;
          const wasFiring = w?.state === "firing";
          const s = observe(w, holds, t, forMs);
          w = s.next;
          if (holds === true) heldSince ??= t;
          else if (!(holds === null && wasFiring)) heldSince = null;
          if (s.event === "firing") {
            expect(last).not.toBe("firing");
            expect(heldSince).not.toBeNull();
            expect(t - heldSince!).toBeGreaterThanOrEqual(forMs);
            last = "firing";
          }
          if (s.event === "resolved") {
            expect(last).toBe("firing");
            expect(holds).toBe(false);
            last = "resolved";
          }
          expect(w.state === "firing").toBe(last === "firing");
        }
      },
    ));
  });
});
