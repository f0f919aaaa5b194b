import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { CompareEntry, SyncActivityEvent } from "@anchorage/common";
import { planSync, type SyncPlan } from "@anchorage/common/sync/plan-sync";
import { applyOperation, applySyncEvent, fileStates, percentDone, rateAndEta, startProgress, type SyncOperationView, type SyncProgress } from "../../../frontend/src/sync/sync-progress.ts";

const side = (size: number) => ({ size, mtime_ms: 1, mode: 0o644, sha256: "a".repeat(64), md5: "b".repeat(32), text: false });
const entries: CompareEntry[] = [
  { path: "a.bin", status: "new", source: side(1000), destination: null },
  { path: "b.bin", status: "different", source: side(3000), destination: side(1) },
  { path: "c.bin", status: "new", source: side(6000), destination: null },
  { path: "gone.txt", status: "only_destination", source: null, destination: side(5) },
];
const plan = planSync(entries, { delete: true }) as SyncPlan;
const OP = "ins_a.abcdefgh1234";
const T0 = Date.parse("2026-11-26T10:00:00.000Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

/** The events the source's object sends for this plan: a start, one per file (bytes as they add up), an end. */
function eventsFor(p: SyncPlan, end: "done" | "failed" = "done", failAfter = Infinity): SyncActivityEvent[] {
  const base = { type: "cloud:sync-activity" as const, instanceId: "ins_a", destinationInstanceId: "ins_b", operationId: OP };
  const total = { total: p.transfer.length + p.remove.length, done: 0 };
  const bytes = { total: p.transfer.reduce((n, e) => n + e.source!.size, 0), uploaded: 0, downloaded: 0 };
  const out: SyncActivityEvent[] = [{ ...base, at: at(0), state: "running", files: { ...total }, bytes: { ...bytes } }];
  const all = [...p.transfer, ...p.remove];
  for (const [i, e] of all.entries()) {
    if (i >= failAfter) break;
    total.done++;
    if (e.source) {
      bytes.uploaded += e.source.size;
      bytes.downloaded += e.source.size;
    }
    out.push({ ...base, at: at(i + 1), state: "running", files: { ...total }, bytes: { ...bytes }, path: e.path });
  }
  out.push({ ...base, at: at(out.length), state: end, files: { ...total }, bytes: { ...bytes }, ...(end === "failed" ? { error: "destination ins_b: the instance is offline" } : {}) });
  return out;
}
const reduce = (events: SyncActivityEvent[], p: SyncProgress = startProgress(OP, plan)) => events.reduce(applySyncEvent, p);
const states = (p: SyncProgress) => Object.fromEntries(fileStates(p).map((f) => [f.path, f.state]));

describe("a sync's progress from its events", () => {
  it("starts with every chosen file pending, sends before removals, in the server's order", () => {
    const p = startProgress(OP, plan);
    expect(fileStates(p).map((f) => [f.path, f.action, f.state])).toEqual([
      ["a.bin", "send", "pending"],
      ["b.bin", "send", "pending"],
      ["c.bin", "send", "pending"],
      ["gone.txt", "remove", "pending"],
    ]);
    expect(p.bytes.total).toBe(10_000);
    expect(percentDone(p)).toBe(0);
  });

  it("marks each file done as its event names it, with the bar by bytes, and the rate and time left", () => {
    const events = eventsFor(plan);
    const mid = reduce(events.slice(0, 3)); // start, a.bin, b.bin
    expect(states(mid)).toEqual({ "a.bin": "done", "b.bin": "done", "c.bin": "pending", "gone.txt": "pending" });
    expect(percentDone(mid)).toBe(40);
    const { bytesPerSecond, etaMs } = rateAndEta(mid);
    expect(bytesPerSecond).toBe(2000); // 4000 bytes in 2 s
    expect(etaMs).toBe(3000); // 6000 bytes left
    const end = reduce(events);
    expect(end.state).toBe("done");
    expect(Object.values(states(end))).toEqual(["done", "done", "done", "done"]);
    expect(percentDone(end)).toBe(100);
    expect(rateAndEta(end).etaMs).toBeNull();
  });

  it("names the file where a failed sync stopped, and the ones it never reached", () => {
    const p = reduce(eventsFor(plan, "failed", 1));
    expect(p.state).toBe("failed");
    expect(p.error).toMatch(/offline/);
    expect(states(p)).toEqual({ "a.bin": "done", "b.bin": "failed", "c.bin": "cancelled", "gone.txt": "cancelled" });
  });

  it("calls a chosen file the server did not send skipped (identical by now) once the sync is done", () => {
    // The server compared again and b.bin was identical by then: its plan had three files.
    const serverPlan = planSync(entries.filter((e) => e.path !== "b.bin"), { delete: true }) as SyncPlan;
    const p = reduce(eventsFor(serverPlan));
    expect(states(p)).toEqual({ "a.bin": "done", "b.bin": "skipped", "c.bin": "done", "gone.txt": "done" });
  });

  it("counts files whose events were missed as done when the server sent every chosen file, and says so when it cannot tell", () => {
    const events = eventsFor(plan);
    // The socket was down for a.bin and b.bin; the end event and a read after the reconnect came.
    const missed = reduce([events[0]!, events[3]!, events[4]!, events.at(-1)!]);
    expect(states(missed)).toEqual({ "a.bin": "done", "b.bin": "done", "c.bin": "done", "gone.txt": "done" });
    // The server skipped one of four, and two went unheard: which one is not known.
    const serverPlan = planSync(entries.filter((e) => e.path !== "b.bin"), { delete: true }) as SyncPlan;
    const some = eventsFor(serverPlan);
    const unsure = reduce([some[0]!, some[3]!, some.at(-1)!]); // only gone.txt heard
    expect(states(unsure)).toEqual({ "a.bin": "unreported", "b.bin": "unreported", "c.bin": "unreported", "gone.txt": "done" });
  });

  it("ignores another operation's events", () => {
    const other = eventsFor(plan).map((e) => ({ ...e, operationId: "ins_a.zzzzzzzzzzzz" }));
    expect(reduce(other)).toEqual(startProgress(OP, plan));
  });

  it("never goes back, whatever order the events and a status read arrive in", () => {
    const events = eventsFor(plan);
    const final = reduce(events);
    fc.assert(
      fc.property(fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }), (shuffled) => {
        let p = startProgress(OP, plan);
        let last = 0;
        for (const e of shuffled) {
          p = applySyncEvent(p, e);
          expect(p.files.done).toBeGreaterThanOrEqual(last);
          last = p.files.done;
        }
        // Every file named is done however they came; the end, once seen, stays.
        expect(states(p)).toEqual(states(final));
        expect(p.state).toBe("done");
      }),
    );
  });

  it("catches up from the operation read after a reconnect, and keeps its start time for the rate", () => {
    const events = eventsFor(plan);
    const before = reduce(events.slice(1, 2)); // the start event was missed
    expect(before.startedAt).toBeNull();
    expect(rateAndEta(before).bytesPerSecond).toBeNull();
    const op: SyncOperationView = {
      operationId: OP, sourceInstanceId: "ins_a", destinationInstanceId: "ins_b", sourcePath: "/a", targetPath: "/b",
      state: "running", files: { total: 4, done: 2 }, bytes: { total: 10_000, uploaded: 4000, downloaded: 4000 }, started_at: at(0),
    };
    const after = applyOperation(before, op);
    expect(after.files.done).toBe(2);
    expect(after.startedAt).toBe(T0);
    // A read older than what the events said takes nothing back.
    const stale = applyOperation(reduce(events.slice(0, 4)), op);
    expect(stale.files.done).toBe(3);
    expect(applyOperation(reduce(events), op).state).toBe("done");
  });
});
