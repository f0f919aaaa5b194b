import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isSupervised, keepRunning, RESTART_EXIT_CODE } from "../../../agent/src/commands/supervise.ts";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the keeper behind an unsupervised `anchorage run`", () => {
  it("runs the agent as a child with --supervised, starts it again on exit 75 and ends with its last code", async () => {
    dir = mkdtempSync(join(tmpdir(), "anchorage-keeper-"));
    const log = join(dir, "log");
    const script = join(dir, "fake-agent.mjs");
    // Twice asks for a restart (75), then stops with 3; each run notes its PID, parent and arguments.
    writeFileSync(log, "");
    writeFileSync(script, `import { appendFileSync, readFileSync } from "node:fs";
      appendFileSync(${JSON.stringify(log)}, JSON.stringify({ pid: process.pid, ppid: process.ppid, args: process.argv.slice(2) }) + "\\n");
      const runs = readFileSync(${JSON.stringify(log)}, "utf8").trim().split("\\n").length;
      process.exit(runs < 3 ? ${RESTART_EXIT_CODE} : 3);`);
    const code = await keepRunning([script, "run", "--home", dir]);
    expect(code).toBe(3);
    const runs = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(runs).toHaveLength(3);
    for (const r of runs) {
      expect(r.ppid).toBe(process.pid); // each run a child of the same (this) process
      expect(r.args).toEqual(["run", "--home", dir, "--supervised"]);
    }
    expect(new Set(runs.map((r) => r.pid)).size).toBe(3);
  });

  it("counts as supervised with --supervised or ANCHORAGE_SUPERVISED=1, not with INVOCATION_ID alone outside systemd", () => {
    dir = mkdtempSync(join(tmpdir(), "anchorage-keeper-"));
    expect(isSupervised({ supervised: true }, {})).toBe(true);
    expect(isSupervised({}, { ANCHORAGE_SUPERVISED: "1" })).toBe(true);
    expect(isSupervised({}, {})).toBe(false);
    // A shell in a desktop terminal inherits INVOCATION_ID from the terminal's unit; our parent here is not systemd.
    expect(isSupervised({}, { INVOCATION_ID: "0123abcd" })).toBe(false);
  });
});
