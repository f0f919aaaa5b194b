import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runScript, type ScriptContext } from "../../../agent/src/scripts/run-script.ts";
import { findOnPath } from "../../../agent/src/scripts/find-on-path.ts";

let root: string; // where the script's private folder is made: empty again after every run
let scratch: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "anchorage-script-test-"));
  scratch = await mkdtemp(join(tmpdir(), "anchorage-script-scratch-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
});

function ctx(over: Partial<ScriptContext> = {}) {
  const out: string[] = [];
  return { out, text: () => out.join(""), c: { config: { scripts: true }, onOutput: (_: string, d: string) => out.push(d), tempRoot: root, ...over } as ScriptContext };
}

describe("runScript (agent)", () => {
  it("writes the body to a 0600 file in a 0700 folder of its own, runs it, and removes both", async () => {
    const { c, text } = ctx();
    const body = ["import os, sys", "f = sys.argv[0]", "print(oct(os.stat(f).st_mode & 0o777), oct(os.stat(os.path.dirname(f)).st_mode & 0o777))", "print(os.path.dirname(os.path.dirname(f)))"].join("\n");
    const result = await runScript({ interpreter: "python3", body, args: [], timeout_seconds: 20 }, c);
    expect(result).toMatchObject({ exit_code: 0, timed_out: false });
    const [modes, parent] = text().trim().split("\n");
    expect(modes).toBe("0o600 0o700");
    expect(parent).toBe(root);
    expect(await readdir(root)).toEqual([]);
  });

  it("passes arguments as argv, never through a shell: $(...) and ; stay literal", async () => {
    const { c, text } = ctx();
    const marker = join(scratch, "pwned");
    const args = [`$(touch ${marker})`, `; touch ${marker}`, "a b", "`id`"];
    const result = await runScript({ interpreter: "sh", body: 'for a in "$@"; do printf "[%s]\\n" "$a"; done\n', args, timeout_seconds: 20 }, c);
    expect(result.exit_code).toBe(0);
    expect(text()).toBe(args.map((a) => `[${a}]\n`).join(""));
    expect(existsSync(marker)).toBe(false);
    expect(await readdir(root)).toEqual([]);
  });

  it("kills a script at its timeout and still removes its file and folder", async () => {
    const { c, text } = ctx();
    const started = Date.now();
    const result = await runScript({ interpreter: "bash", body: 'echo "$BASH_VERSION" >/dev/null; echo started; sleep 30; echo never\n', args: [], timeout_seconds: 1 }, c);
    expect(result.timed_out).toBe(true);
    expect(result.exit_code).toBeNull();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(text()).toBe("started\n");
    expect(await readdir(root)).toEqual([]);
  });

  it("removes the folder after a failing script and after an abort", async () => {
    const { c } = ctx();
    expect((await runScript({ interpreter: "sh", body: "echo oops >&2; exit 7\n", args: [], timeout_seconds: 20 }, c)).exit_code).toBe(7);
    expect(await readdir(root)).toEqual([]);
    const abort = new AbortController();
    const running = runScript({ interpreter: "sh", body: "sleep 30\n", args: [], timeout_seconds: 60 }, { ...c, signal: abort.signal });
    setTimeout(() => abort.abort(), 300);
    expect((await running).timed_out).toBe(false);
    expect(await readdir(root)).toEqual([]);
    // A consumer of the output that fails stops the script; the folder goes all the same.
    const throwing = { ...c, onOutput: () => { throw new Error("socket gone"); } };
    await expect(runScript({ interpreter: "sh", body: "echo hi; sleep 30\n", args: [], timeout_seconds: 60 }, throwing)).rejects.toMatchObject({ code: "E-INTERNAL", message: "socket gone" });
    expect(await readdir(root)).toEqual([]);
  });

  it("refuses when its own config does not say scripts: true, writing nothing", async () => {
    for (const scripts of [false, undefined]) {
      const { c } = ctx({ config: { scripts } as ScriptContext["config"] });
      await expect(runScript({ interpreter: "sh", body: "echo hi\n", args: [], timeout_seconds: 5 }, c)).rejects.toMatchObject({
        code: "E-AUTH-FORBID",
        message: "this agent does not run scripts (scripts: true in its config)",
      });
    }
    expect(await readdir(root)).toEqual([]);
  });

  it("names an interpreter missing from PATH, writing nothing", async () => {
    const { c } = ctx({ path: scratch });
    await expect(runScript({ interpreter: "python3", body: "print(1)\n", args: [], timeout_seconds: 5 }, c)).rejects.toMatchObject({
      code: "E-NOT-FOUND",
      message: 'the interpreter "python3" is not on this machine\'s PATH',
    });
    expect(await readdir(root)).toEqual([]);
  });
});

describe("findOnPath", () => {
  it("finds an executable on PATH, skips relative entries and files that are not executable", async () => {
    expect(await findOnPath("sh")).toMatch(/\/sh$/);
    expect(await findOnPath("sh", `relative/bin:${scratch}`)).toBeNull();
    const { writeFile, chmod } = await import("node:fs/promises");
    await writeFile(join(scratch, "tool"), "#!/bin/sh\n");
    expect(await findOnPath("tool", scratch)).toBeNull();
    await chmod(join(scratch, "tool"), 0o755);
    expect(await findOnPath("tool", `.:${scratch}`)).toBe(join(scratch, "tool"));
  });
});
