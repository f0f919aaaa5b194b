import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import type { Logger } from "../agent-log.ts";

/** A pseudo-terminal running a shell, whatever provides it. */
export type Pty = {
  readonly pid: number;
  /** Whether resize reaches the shell (SIGWINCH); the `script` fallback cannot. */
  readonly canResize: boolean;
  onData(listener: (bytes: Uint8Array) => void): void;
  onExit(listener: (e: { code: number | null; signal: string | null }) => void): void;
  write(bytes: Uint8Array): void;
  resize(cols: number, rows: number): void;
  /** Stop reading the shell's output (backpressure: its writes block once the kernel buffer fills). */
  pause(): void;
  resume(): void;
  kill(signal?: NodeJS.Signals): void;
};

export type PtySpawn = (o: { shell: string; args: string[]; cwd: string; cols: number; rows: number; env: NodeJS.ProcessEnv }) => Pty;

const SIGNALS: Record<number, string> = { 1: "SIGHUP", 2: "SIGINT", 9: "SIGKILL", 15: "SIGTERM" };

/**
 * node-pty (the library VS Code's terminal uses) when it loads; otherwise util-linux `script`,
 * which gives the shell a real terminal but cannot pass a resize on, and the agent says so.
 */
export function loadPtyBackend(log: Logger): PtySpawn {
  try {
    const nodePty = createRequire(import.meta.url)("node-pty") as typeof import("node-pty");
    return (o) => {
      // encoding null: bytes stay bytes (a UTF-8 character split across reads is the terminal's to join).
      const p = nodePty.spawn(o.shell, o.args, { name: "xterm-256color", cols: o.cols, rows: o.rows, cwd: o.cwd, env: o.env as Record<string, string>, encoding: null });
      return {
        pid: p.pid,
        canResize: true,
        onData: (l) => p.onData((d) => l(typeof d === "string" ? new TextEncoder().encode(d) : new Uint8Array((d as unknown as Buffer).buffer, (d as unknown as Buffer).byteOffset, (d as unknown as Buffer).byteLength))),
        onExit: (l) => p.onExit((e) => l({ code: e.signal ? null : e.exitCode, signal: e.signal ? (SIGNALS[e.signal] ?? `signal ${e.signal}`) : null })),
        write: (b) => p.write(Buffer.from(b.buffer, b.byteOffset, b.byteLength)),
        resize: (c, r) => p.resize(c, r),
        pause: () => p.pause(),
        resume: () => p.resume(),
        kill: (s) => p.kill(s ?? "SIGHUP"),
      };
    };
  } catch (e) {
    log.warn(`node-pty could not load (${(e as Error).message}); terminals use \`script\`, so resizing does not reach the shell`);
    return scriptPty;
  }
}

/**
 * The same backend, with node-pty (a native addon) loaded when the first shell starts rather than
 * by an agent nobody opens a terminal on (issue 22). Whether it can be found is checked now, without
 * loading it, so a machine without it is told so at start as before.
 */
export function loadPtyBackendOnFirstUse(log: Logger): PtySpawn {
  try {
    createRequire(import.meta.url).resolve("node-pty");
  } catch {
    return loadPtyBackend(log); // not there: the warning now, and `script`
  }
  let backend: PtySpawn | undefined;
  return (o) => (backend ??= loadPtyBackend(log))(o);
}

/** The fallback: `script -qfec <shell>` gives the shell a pty of its own; its size is set once, by stty. */
const scriptPty: PtySpawn = (o) => {
  const command = `stty cols ${o.cols} rows ${o.rows} 2>/dev/null; exec ${[o.shell, ...o.args].map(shellQuote).join(" ")}`;
  const child = spawn("script", ["-qfec", command, "/dev/null"], { cwd: o.cwd, env: o.env, stdio: ["pipe", "pipe", "pipe"] });
  return {
    pid: child.pid ?? -1,
    canResize: false,
    onData: (l) => {
      child.stdout!.on("data", (d: Buffer) => l(new Uint8Array(d)));
      child.stderr!.on("data", (d: Buffer) => l(new Uint8Array(d)));
    },
    onExit: (l) => child.on("exit", (code, signal) => l({ code, signal })),
    write: (b) => void child.stdin!.write(b),
    resize: () => {},
    pause: () => child.stdout!.pause(),
    resume: () => child.stdout!.resume(),
    kill: (s) => void child.kill(s ?? "SIGHUP"),
  };
};

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
