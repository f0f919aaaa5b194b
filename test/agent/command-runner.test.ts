import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agentConfigSchema } from "@anchorage/common/agent-config";
import { CommandError, OUTPUT_CHUNK_BYTES, resolveCommand, runCommand, selfUpdateArgv, splitUtf8 } from "../../agent/src/command-runner.ts";

const node = process.execPath;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "anchorage-cmd-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function collect() {
  const chunks: { stream: "stdout" | "stderr"; chunk: string; at: number }[] = [];
  return {
    chunks,
    onOutput: (stream: "stdout" | "stderr", chunk: string) => chunks.push({ stream, chunk, at: Date.now() }),
    text: (stream: "stdout" | "stderr") => chunks.filter((c) => c.stream === stream).map((c) => c.chunk).join(""),
  };
}

/** Whether pid is a live process; a zombie (dead, not yet reaped by init) counts as dead. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return true; // no /proc (macOS): kill(0) is all we know
  }
}

async function eventually(check: () => boolean, ms = 2_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (check()) return true;
  return check();
}

describe("runCommand", () => {
  it("streams output before the process exits", async () => {
    const out = collect();
    const script = "console.log('first'); setTimeout(() => { console.error('second'); }, 1200)";
    const result = await runCommand({ argv: [node, "-e", script] }, { onOutput: out.onOutput, timeoutMs: 10_000 });
    const ended = Date.now();
    const first = out.chunks.find((c) => c.chunk.includes("first"));
    expect(first).toBeDefined();
    expect(ended - first!.at).toBeGreaterThanOrEqual(900); // it came while the child was still sleeping
    expect(out.text("stderr")).toBe("second\n");
    expect(result).toMatchObject({ exit_code: 0, signal: null, timed_out: false, stdout_tail: "first\n", stderr_tail: "second\n" });
    expect(result.duration_ms).toBeGreaterThanOrEqual(1000);
  });

  it("passes shell metacharacters as literal arguments, never to a shell", async () => {
    const marker = join(dir, "x");
    await writeFile(marker, "keep");
    const evil = `; rm -rf ${marker}`;
    const args = [evil, "$(echo pwned)", "`id`", "a && b", "*", "> out.txt"];
    const out = collect();
    const result = await runCommand(
      { argv: [node, "-e", "console.log(JSON.stringify(process.argv.slice(1)))", ...args], cwd: dir },
      { onOutput: out.onOutput, timeoutMs: 10_000 },
    );
    expect(result.exit_code).toBe(0);
    expect(JSON.parse(out.text("stdout"))).toEqual(args);
    expect(await readFile(marker, "utf8")).toBe("keep");
  });

  it("reports a non-zero exit code with the tails", async () => {
    const result = await runCommand(
      { argv: [node, "-e", "process.stderr.write('bad thing'); process.exit(3)"] },
      { onOutput: () => {}, timeoutMs: 10_000 },
    );
    expect(result).toMatchObject({ exit_code: 3, signal: null, timed_out: false, stderr_tail: "bad thing" });
  });

  it("runs in the spec's cwd", async () => {
    const out = collect();
    await runCommand({ argv: [node, "-e", "console.log(process.cwd())"], cwd: dir }, { onOutput: out.onOutput, timeoutMs: 10_000 });
    expect(out.text("stdout").trim()).toBe(dir);
  });

  it("times out and kills the whole process group, grandchildren included", async () => {
    const pidFile = join(dir, "grandchild.pid");
    const script = `
      const { spawn } = require("node:child_process");
      const g = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
      require("node:fs").writeFileSync(${JSON.stringify(pidFile)}, String(g.pid));
      console.log("started");
      setInterval(() => {}, 1000);`;
    const out = collect();
    const started = Date.now();
    const result = await runCommand({ argv: [node, "-e", script] }, { onOutput: out.onOutput, timeoutMs: 800 });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result).toMatchObject({ exit_code: null, signal: "SIGTERM", timed_out: true });
    expect(out.text("stdout")).toBe("started\n");
    const grandchild = Number(await readFile(pidFile, "utf8"));
    expect(await eventually(() => !alive(grandchild))).toBe(true);
  });

  it("escalates to SIGKILL when the process ignores SIGTERM", async () => {
    const script = "process.on('SIGTERM', () => console.log('ignored')); console.log('ready'); setInterval(() => {}, 1000)";
    const out = collect();
    const started = Date.now();
    const result = await runCommand({ argv: [node, "-e", script] }, { onOutput: out.onOutput, timeoutMs: 500 });
    const took = Date.now() - started;
    expect(result).toMatchObject({ exit_code: null, signal: "SIGKILL", timed_out: true });
    expect(out.text("stdout")).toContain("ignored");
    expect(took).toBeGreaterThanOrEqual(2_400); // 500 ms timeout + 2 s grace
    expect(took).toBeLessThan(6_000);
  });

  it("stops when aborted, without calling it a timeout", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const result = await runCommand(
      { argv: [node, "-e", "setInterval(() => {}, 1000)"] },
      { onOutput: () => {}, timeoutMs: 10_000, signal: controller.signal },
    );
    expect(result).toMatchObject({ exit_code: null, signal: "SIGTERM", timed_out: false });
  });

  it("rejects with the program's name when it does not exist", async () => {
    const err = await runCommand({ argv: ["anchorage-no-such-program-xyz", "--help"] }, { onOutput: () => {}, timeoutMs: 5_000 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).message).toBe('program not found on PATH: "anchorage-no-such-program-xyz"');
    expect((err as CommandError).code).toBe("E-NOT-FOUND");
  });

  it("rejects a missing working directory as such, not as a missing program", async () => {
    const err = await runCommand({ argv: [node, "-v"], cwd: join(dir, "gone") }, { onOutput: () => {}, timeoutMs: 5_000 }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toBe(`working directory not found: ${join(dir, "gone")}`);
  });

  it("delivers large output in chunks of at most 16 KiB and keeps 8 KiB tails", async () => {
    const out = collect();
    const script = "process.stdout.write('é'.repeat(100000) + 'END')";
    const result = await runCommand({ argv: [node, "-e", script] }, { onOutput: out.onOutput, timeoutMs: 10_000 });
    for (const c of out.chunks) expect(Buffer.byteLength(c.chunk)).toBeLessThanOrEqual(OUTPUT_CHUNK_BYTES);
    expect(out.text("stdout")).toBe("é".repeat(100000) + "END");
    expect(result.stdout_tail.endsWith("END")).toBe(true);
    expect(Buffer.byteLength(result.stdout_tail)).toBeLessThanOrEqual(8 * 1024);
    expect(result.stdout_tail).not.toContain("\ufffd"); // not cut inside a character
  });
});

describe("splitUtf8", () => {
  it("never splits a character and never exceeds the limit", () => {
    const text = "a€😀".repeat(50);
    const pieces = splitUtf8(text, 7);
    expect(pieces.join("")).toBe(text);
    for (const p of pieces) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(7);
  });
});

describe("resolveCommand", () => {
  const config = agentConfigSchema.parse({
    name: "box",
    roots: ["/srv/app", "/srv/other"],
    commands: [{ name: "disk", argv: ["df", "-h"], cwd: "/tmp", timeout_seconds: 30 }],
  });

  it("maps a custom command to its argv, cwd and timeout", () => {
    expect(resolveCommand("disk", config)).toEqual({ name: "disk", argv: ["df", "-h"], cwd: "/tmp", timeout_seconds: 30 });
  });

  it("maps git-pull to a fast-forward pull in the first root", () => {
    expect(resolveCommand("git-pull", config)).toEqual({ name: "git-pull", argv: ["git", "-C", "/srv/app", "pull", "--ff-only"] });
  });

  it("refuses git-pull when there is no root", () => {
    expect(() => resolveCommand("git-pull", { ...config, roots: [] })).toThrow(/git-pull needs a project root/);
  });

  it("runs update as this agent's own `anchorage update`, with its --home, unless the context says otherwise", () => {
    const own = resolveCommand("update", config);
    expect(own).toEqual({ name: "update", argv: [process.execPath, process.argv[1], "update"] });
    expect(JSON.stringify(own)).not.toContain("npm");
    expect(selfUpdateArgv(["/usr/bin/node", "/home/u/.anchorage/bin/anchorage.mjs", "run", "--home", "/srv/h"], "/usr/bin/node")).toEqual([
      "/usr/bin/node", "/home/u/.anchorage/bin/anchorage.mjs", "update", "--home", "/srv/h",
    ]);
    expect(selfUpdateArgv(["/n", "/a.mjs", "run", "--home=/x"], "/n")).toEqual(["/n", "/a.mjs", "update", "--home", "/x"]);
    expect(resolveCommand("update", config, { updateArgv: ["pipx", "upgrade"] })).toEqual({ name: "update", argv: ["pipx", "upgrade"] });
  });

  it("leaves restart to the caller", () => {
    expect(resolveCommand("restart", config)).toEqual({ builtin: "restart" });
  });

  it("does not let a custom command shadow a builtin", () => {
    const shadow = { ...config, commands: [{ name: "restart", argv: ["reboot"] }] };
    expect(resolveCommand("restart", shadow)).toEqual({ builtin: "restart" });
  });

  it("refuses an unknown name, listing the allowed ones", () => {
    expect(() => resolveCommand("rm", config)).toThrow('unknown command "rm"; allowed: restart, update, git-pull, disk');
  });
});
