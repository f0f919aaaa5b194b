import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { formatBytes, formatDuration, RateMeter, renderProgressBar, renderProgressLine, type SyncProgress } from "../../../agent/src/commands/sync-progress.ts";
import { describeDryRun, parseEndpoint } from "../../../agent/src/commands/sync.ts";

const MiB = 1024 * 1024;
const at = (filesDone: number, filesTotal: number, bytesDone: number, bytesTotal: number, rate: number | null): SyncProgress => ({
  files: { done: filesDone, total: filesTotal },
  bytes: { done: bytesDone, total: bytesTotal },
  rate,
});

describe("anchorage sync's progress bar", () => {
  it("shows the bar filled by bytes, the files, bytes, rate and the time left", () => {
    // 100 columns: the figures take 58, the bar the 38 left inside [ ] (one column kept free); 45% of 38 is 17.
    expect(renderProgressBar(at(12, 30, 45 * MiB, 100 * MiB, 5 * MiB), 100)).toBe(
      "[=================>                    ]  45%  12/30 files  45.0 MiB/100.0 MiB  5.0 MiB/s  ETA 0:11",
    );
  });

  it("says what it does not know yet, and ends full at 0:00", () => {
    expect(renderProgressBar(at(0, 3, 0, 2048, null), 80)).toMatch(/^\[> +\]   0%  0\/3 files  0 B\/2\.0 KiB  --\/s  ETA --:--$/);
    expect(renderProgressBar(at(3, 3, 2048, 2048, 1000), 80)).toMatch(/^\[=+\] 100%  3\/3 files  2\.0 KiB\/2\.0 KiB  1000 B\/s  ETA 0:00$/);
  });

  it("counts files when there are no bytes to send (only deletions)", () => {
    expect(renderProgressBar(at(1, 4, 0, 0, null), 80)).toMatch(/^\[=+>.*\]  25%  1\/4 files/);
  });

  it("never passes the terminal's width (a redraw with \\r must not wrap), dropping the bar on a narrow one", () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.nat(10_000), fc.nat(2 ** 40), fc.nat(2 ** 40), fc.option(fc.nat(2 ** 34)), fc.integer({ min: 1, max: 300 }), (fd, ft, bd, bt, rate, columns) => {
        const line = renderProgressBar(at(Math.min(fd, ft), ft, Math.min(bd, bt), bt, rate), columns);
        expect(line.length).toBeLessThanOrEqual(columns - 1);
        expect(line).not.toMatch(/[\r\n]/);
      }),
    );
    expect(renderProgressBar(at(1, 2, 1, 2, null), 40)).not.toContain("[");
  });

  it("writes a plain line for logs, without the bar", () => {
    expect(renderProgressLine(at(2, 4, 3 * MiB, 6 * MiB, 1.5 * MiB))).toBe("sync: 50%  2/4 files  3.0 MiB/6.0 MiB  1.5 MiB/s  ETA 0:02");
  });

  it("formats bytes and durations", () => {
    expect([0, 1023, 1024, 1536, 5 * MiB, 3 * 1024 * MiB].map(formatBytes)).toEqual(["0 B", "1023 B", "1.0 KiB", "1.5 KiB", "5.0 MiB", "3.0 GiB"]);
    expect([0, 9.6, 75, 3725].map(formatDuration)).toEqual(["0:00", "0:10", "1:15", "1:02:05"]);
  });
});

describe("the rate behind the ETA", () => {
  it("is the rate of the recent window, not the average since the start", () => {
    const m = new RateMeter(5_000);
    expect(m.rate()).toBeNull();
    m.add(0, 0);
    m.add(100, 1000);
    expect(m.rate()).toBeNull(); // 100 ms is too little to tell
    // A slow first 10 s (1 KiB/s), then 1 MiB/s.
    for (let t = 1000; t <= 10_000; t += 1000) m.add(t, t * 1.024);
    for (let t = 11_000; t <= 20_000; t += 1000) m.add(t, 10_240 + (t - 10_000) * 1048.576);
    expect(m.rate()).toBeCloseTo(MiB, -3);
  });
});

describe("anchorage sync's arguments and dry run", () => {
  it("splits <instance>:<path> at the first colon and refuses anything else", () => {
    expect(parseEndpoint("web-1:/srv/a:b")).toEqual({ instance: "web-1", path: "/srv/a:b" });
    expect(parseEndpoint(".:site")).toEqual({ instance: ".", path: "site" });
    for (const bad of ["/srv/a", ":/srv", "box:"]) expect(() => parseEndpoint(bad)).toThrow(/not <instance>:<path>/);
  });

  it("lists what would be sent, and what would be removed only with --delete", () => {
    const side = { size: 10, mtime_ms: 1, mode: 420, sha256: "a", md5: "b", text: false };
    const r = {
      source: { instance_id: "ins_a", path: "/a", files: 4 },
      destination: { instance_id: "ins_b", path: "/b", files: 4 },
      summary: { identical: 1, different: 1, new: 1, only_destination: 1, destination_newer: 1 },
      files: [
        { path: "same", status: "identical" as const, source: side, destination: side },
        { path: "changed", status: "different" as const, source: side, destination: side },
        { path: "added", status: "new" as const, source: side, destination: null },
        { path: "gone", status: "only_destination" as const, source: null, destination: side },
        { path: "edited-there", status: "destination_newer" as const, source: side, destination: side },
      ],
    };
    const kept = describeDryRun(r, false).trim().split("\n");
    expect(kept.slice(0, -1)).toEqual(["~ changed", "+ added", "! edited-there  (newer on the destination: its copy is backed up first)"]);
    expect(kept.at(-1)).toMatch(/3 files, 30 B to send; .* Nothing was changed\.$/);
    expect(describeDryRun(r, true)).toContain("- gone\n");
  });

  it("lists touch-only files, folders to create, symlinks to make and every skipped entry with why (rsync -a's meaning)", () => {
    const side = { size: 10, mtime_ms: 1, mode: 420, sha256: "a", md5: "b", text: false };
    const r = {
      source: { instance_id: "ins_a", path: "/a", files: 1 },
      destination: { instance_id: "ins_b", path: "/b", files: 1 },
      summary: { identical: 1, different: 0, new: 0, only_destination: 0, destination_newer: 0 },
      files: [{ path: "touched", status: "identical" as const, source: { ...side, mtime_ms: 2000 }, destination: side, metadata_only: true as const }],
      links: [{ path: "node_modules/.bin/tsc", status: "new" as const, source: { target: "../typescript/bin/tsc", mtime_ms: 1 }, destination: null }],
      directories: [{ path: "empty", status: "new" as const, source: { mode: 0o755, mtime_ms: 1 }, destination: null }],
      skipped: [{ path: "escape", side: "source" as const, reason: "symlink to /etc: it would lead to /etc, outside the destination's project roots" }],
    };
    const lines = describeDryRun(r, false).trim().split("\n");
    expect(lines.slice(0, -1)).toEqual([
      "+d empty/",
      "t touched  (same content: only its mtime set)",
      "+l node_modules/.bin/tsc -> ../typescript/bin/tsc",
      "skip escape (source): symlink to /etc: it would lead to /etc, outside the destination's project roots",
    ]);
    expect(lines.at(-1)).toContain("0 identical, 1 with only mtime or mode changed");
    expect(lines.at(-1)).toContain("1 folders to create, 1 symlinks to make");
    expect(lines.at(-1)).toContain("1 skipped");
  });
});
