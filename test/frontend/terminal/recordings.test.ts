import { describe, expect, it } from "vitest";
import { parseCast, parseResize, playbackDelays } from "../../../frontend/src/terminal/asciicast.ts";
import { canFetchRecording, sessionEnd, sessionUser } from "../../../frontend/src/terminal/session-words.ts";

const cast = [JSON.stringify({ version: 2, width: 80, height: 24, timestamp: 1 }), '[0.5, "o", "$ "]', '[1.25, "o", "echo 42\\r\\n"]', '[1.0, "r", "100x30"]', '[9.0, "o", "42\\r\\n"]', ""].join("\n");

describe("reading an asciicast v2 recording", () => {
  it("reads the size and the events, times never going back", () => {
    const c = parseCast(cast);
    expect(c.header).toEqual({ width: 80, height: 24 });
    expect(c.events.map((e) => [e.time, e.code])).toEqual([
      [0.5, "o"],
      [1.25, "o"],
      [1.25, "r"],
      [9, "o"],
    ]);
    expect(c.duration).toBe(9);
  });

  it("says which line is wrong", () => {
    expect(() => parseCast("not json")).toThrow(/line 1/);
    expect(() => parseCast(JSON.stringify({ version: 1, width: 80, height: 24 }))).toThrow(/not an asciicast v2/);
    expect(() => parseCast(JSON.stringify({ version: 2, width: 0, height: 24 }))).toThrow(/width and height/);
    expect(() => parseCast(`${JSON.stringify({ version: 2, width: 80, height: 24 })}\n[0, "o", "x"]\n{"a":1}`)).toThrow(/line 3: expected \[time, code, data\]/);
  });

  it("reads a resize", () => {
    expect(parseResize("132x43")).toEqual({ cols: 132, rows: 43 });
    expect(parseResize("0x5")).toBeNull();
    expect(parseResize("wide")).toBeNull();
  });

  it("waits as recorded, faster at a higher speed, with long pauses cut", () => {
    const { events } = parseCast(cast);
    expect(playbackDelays(events)).toEqual([500, 750, 0, 2000]);
    expect(playbackDelays(events, 2, 10)).toEqual([250, 375, 0, 3875]);
  });
});

describe("terminal sessions in words", () => {
  it("says how each ended", () => {
    expect(sessionEnd({ ended_at: null, end_reason: null, exit_code: null }).label).toBe("Running");
    expect(sessionEnd({ ended_at: "x", end_reason: "exit", exit_code: 0 })).toMatchObject({ label: "Exited 0", tone: "neutral" });
    expect(sessionEnd({ ended_at: "x", end_reason: "exit", exit_code: 7 })).toMatchObject({ label: "Exited 7", tone: "bad", detail: "The shell exited with code 7." });
    expect(sessionEnd({ ended_at: "x", end_reason: "lost", exit_code: null }).detail).toMatch(/agent restarted/);
    expect(sessionEnd({ ended_at: "x", end_reason: "idle", exit_code: null }).label).toBe("Idle");
    expect(sessionEnd({ ended_at: "x", end_reason: "something-new", exit_code: null }).detail).toBe("Ended: something-new.");
  });

  it("names who ran it", () => {
    const names = new Map([["usr_ada", "ada@example.com"]]);
    expect(sessionUser("usr_me", "usr_me", names)).toBe("You");
    expect(sessionUser("usr_ada", "usr_me", names)).toBe("ada@example.com");
    expect(sessionUser("usr_zed", null, names)).toBe("usr_zed");
  });

  it("offers a recording only to those who manage the instance, and only when there is one", () => {
    expect(canFetchRecording({ recorded: true, recording_bytes: 10 }, true)).toBe(true);
    expect(canFetchRecording({ recorded: true, recording_bytes: 10 }, false)).toBe(false);
    expect(canFetchRecording({ recorded: false, recording_bytes: 0 }, true)).toBe(false);
    expect(canFetchRecording({ recorded: true, recording_bytes: 0 }, true)).toBe(false);
  });
});
