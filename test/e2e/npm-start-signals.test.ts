import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ADMIN } from "./global-setup.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const PORT = Number(process.env.E2E_PORT ?? 8791) + 50;

/** Every process on the machine as pid → ppid and its command line. */
function processes(): Map<number, { ppid: number; args: string }> {
  const out = execFileSync("ps", ["-eo", "pid=,ppid=,args="], { encoding: "utf8" });
  const map = new Map<number, { ppid: number; args: string }>();
  for (const line of out.split("\n")) {
    const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (m) map.set(Number(m[1]), { ppid: Number(m[2]), args: m[3]! });
  }
  return map;
}

/** The process and all its descendants, whatever their process group. */
function tree(pid: number): Map<number, string> {
  const all = processes();
  const found = new Map<number, string>();
  const walk = (p: number) => {
    const me = all.get(p);
    if (!me || found.has(p)) return;
    found.set(p, me.args);
    for (const [child, info] of all) if (info.ppid === p) walk(child);
  };
  walk(pid);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function serving(): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${PORT}/healthz`, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}

/**
 * `npm start` stops as a whole: a signal to npm's own PID (what a supervisor or `kill <pid>`
 * sends, not a whole process group) ends npm, tsx, wrangler and every workerd within 10 s.
 */
describe("npm start and signals", () => {
  let stack: number[] = [];
  let top: number | undefined;
  let stateDir: string | undefined;
  afterEach(() => {
    if (top) stack.push(...tree(top).keys());
    for (const pid of stack) if (alive(pid)) process.kill(pid, "SIGKILL");
    stack = [];
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal} to npm's PID ends every process of the stack within 10 s`, { timeout: 400_000 }, async () => {
      stateDir = mkdtempSync(join(tmpdir(), "anchorage-signals-"));
      // Not detached from us and not a group leader of its own: only its PID gets the signal.
      const npm = spawn("npm", ["start"], {
        cwd: ROOT,
        env: { ...process.env, PORT: String(PORT), ANCHORAGE_STATE_DIR: stateDir, SKIP_FRONTEND_BUILD: "1", ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password },
        stdio: ["ignore", "pipe", "pipe"],
      });
      top = npm.pid;
      let log = "";
      npm.stdout!.on("data", (d) => (log += d));
      npm.stderr!.on("data", (d) => (log += d));
      const deadline = Date.now() + 300_000; // a loaded machine takes its time over migrations and the admin
      while (!(await serving())) {
        if (npm.exitCode !== null) throw new Error(`npm start exited early:\n${log}`);
        if (Date.now() > deadline) throw new Error(`npm start did not come up:\n${log}`);
        await new Promise((r) => setTimeout(r, 300));
      }
      const before = tree(npm.pid!);
      stack = [...before.keys()];
      expect([...before.values()].some((args) => args.includes("workerd")), [...before.values()].join("\n")).toBe(true);

      process.kill(npm.pid!, signal);
      const sent = Date.now();
      while (Date.now() - sent < 10_000 && (stack.some(alive) || (await serving()))) await new Promise((r) => setTimeout(r, 200));

      const left = [...before].filter(([pid]) => alive(pid)).map(([pid, args]) => `${pid} ${args}`);
      expect(left, `still running ${Date.now() - sent} ms after ${signal}`).toEqual([]);
      expect(await serving()).toBe(false);
    });
  }
});
