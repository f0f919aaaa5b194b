import { spawn } from "node:child_process";
import { stat } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { StringDecoder } from "node:string_decoder";
import { parseArgs } from "node:util";
import { builtinCommands, type AgentConfig } from "@anchorage/common/agent-config";
import type { ErrorCode } from "@anchorage/common/errors";
import type { CommandResult } from "@anchorage/common/protocol/messages";

/** What to run: argv (never a shell string), where, and the config's own time limit. */
export interface CommandSpec {
  name: string;
  argv: string[];
  cwd?: string;
  timeout_seconds?: number;
}

/** `restart` is not a process to run: the caller restarts the agent itself. */
export interface RestartMarker {
  builtin: "restart";
}

export interface ResolveContext {
  /** argv of the `update` builtin; default selfUpdateArgv(). */
  updateArgv?: string[];
}

export interface RunOptions {
  /** Output as it comes, decoded as UTF-8, in pieces of at most 16 KiB. Must not throw. */
  onOutput(stream: "stdout" | "stderr", chunk: string): void;
  timeoutMs: number;
  /** Aborting kills the process like a timeout does (but `timed_out` stays false). */
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/** A command that could not be started; `code` is what the RPC error carries. */
export class CommandError extends Error {
  override readonly name = "CommandError";
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * The `update` builtin: this agent's own file run again as `anchorage update` with the same --home,
 * so it fetches the bundle from the deployment it is anchored to (commands/update.ts), not from npm.
 */
export function selfUpdateArgv(argv: string[] = process.argv, execPath: string = process.execPath): string[] {
  const { values } = parseArgs({ args: argv.slice(2), strict: false, allowPositionals: true, options: { home: { type: "string" } } });
  return [execPath, argv[1] ?? "anchorage", "update", ...(typeof values.home === "string" ? ["--home", values.home] : [])];
}
/** Output pieces stay well under the rpc-progress message's 64 KiB `data` limit. */
export const OUTPUT_CHUNK_BYTES = 16 * 1024;
export const TAIL_BYTES = 8 * 1024;
/** Time a process gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 2_000;

/** Maps a command name to what runs: a builtin, or one of the config's custom commands. */
export function resolveCommand(name: string, config: AgentConfig, ctx: ResolveContext = {}): CommandSpec | RestartMarker {
  // Builtins come first so a custom command cannot shadow restart/update/git-pull.
  switch (name) {
    case "restart":
      return { builtin: "restart" };
    case "update":
      return { name, argv: [...(ctx.updateArgv ?? selfUpdateArgv())] };
    case "git-pull": {
      const root = config.roots[0];
      if (root === undefined) throw new CommandError("E-CONFIG", 'git-pull needs a project root: add one to "roots" in config.yaml');
      return { name, argv: ["git", "-C", root, "pull", "--ff-only"] };
    }
  }
  const custom = config.commands.find((c) => c.name === name);
  if (custom) return { name, argv: [...custom.argv], cwd: custom.cwd, timeout_seconds: custom.timeout_seconds };
  const allowed = [...builtinCommands, ...config.commands.map((c) => c.name)];
  throw new CommandError("E-NOT-FOUND", `unknown command "${name}"; allowed: ${allowed.join(", ")}`);
}

/**
 * Runs argv[0] with the other elements as its arguments, without a shell, in its own process
 * group so a timeout kills what it started too. Resolves with the result whatever the exit
 * code; rejects with a CommandError only when the process could not start (program or
 * working directory not found, not executable).
 */
export async function runCommand(spec: Pick<CommandSpec, "argv" | "cwd">, options: RunOptions): Promise<CommandResult> {
  const [program, ...args] = spec.argv;
  if (program === undefined || program === "") throw new CommandError("E-VALIDATION", "the command has no program (argv is empty)");
  if (spec.cwd !== undefined) await requireDirectory(spec.cwd);
  options.signal?.throwIfAborted();

  const windows = process.platform === "win32";
  const started = performance.now();
  const child = spawn(program, args, {
    cwd: spec.cwd,
    env: options.env ?? process.env,
    shell: false, // argv goes to the program as is: "; rm -rf /" stays one literal argument
    stdio: ["ignore", "pipe", "pipe"],
    detached: !windows, // its own process group, so we can signal the whole group
    windowsHide: true,
  });

  return new Promise<CommandResult>((resolve, reject) => {
    let timedOut = false;
    let failure: unknown;
    const timers: NodeJS.Timeout[] = [];
    const tails = { stdout: new OutputTail(), stderr: new OutputTail() };

    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        // Windows has no process groups to signal: only the direct child is killed there.
        if (windows) child.kill(signal);
        else process.kill(-child.pid, signal);
      } catch (err) {
        // ESRCH: the group is already gone, which is what we wanted.
        if ((err as NodeJS.ErrnoException).code !== "ESRCH") failure ??= err;
      }
    };
    const stop = () => {
      killGroup("SIGTERM");
      timers.push(setTimeout(() => killGroup("SIGKILL"), KILL_GRACE_MS));
    };
    const onAbort = () => stop();

    timers.push(
      setTimeout(() => {
        timedOut = true;
        stop();
      }, options.timeoutMs),
    );
    options.signal?.addEventListener("abort", onAbort, { once: true });

    for (const stream of ["stdout", "stderr"] as const) {
      const decoder = new StringDecoder("utf8");
      const emit = (text: string) => {
        if (text === "" || failure !== undefined) return;
        for (const piece of splitUtf8(text, OUTPUT_CHUNK_BYTES)) {
          try {
            options.onOutput(stream, piece);
          } catch (err) {
            // A consumer that cannot take output any more: stop the process, report its error.
            failure = err;
            stop();
            return;
          }
        }
      };
      child[stream].on("data", (data: Buffer) => {
        tails[stream].push(data);
        emit(decoder.write(data));
      });
      child[stream].on("end", () => emit(decoder.end()));
    }

    child.on("error", (err: NodeJS.ErrnoException) => {
      cleanup();
      reject(startError(program, spec.cwd, err));
    });

    child.on("close", (code, signal) => {
      cleanup();
      if (failure !== undefined) return reject(failure);
      resolve({
        exit_code: code,
        signal,
        timed_out: timedOut,
        duration_ms: Math.max(0, Math.round(performance.now() - started)),
        stdout_tail: tails.stdout.text(),
        stderr_tail: tails.stderr.text(),
      });
    });

    function cleanup() {
      for (const t of timers) clearTimeout(t);
      options.signal?.removeEventListener("abort", onAbort);
    }
  });
}

async function requireDirectory(cwd: string): Promise<void> {
  const info = await stat(cwd).catch(() => undefined);
  if (!info) throw new CommandError("E-NOT-FOUND", `working directory not found: ${cwd}`);
  if (!info.isDirectory()) throw new CommandError("E-VALIDATION", `working directory is not a directory: ${cwd}`);
}

function startError(program: string, cwd: string | undefined, err: NodeJS.ErrnoException): CommandError {
  if (err.code === "ENOENT") {
    const where = program.includes("/") || program.includes("\\") ? "" : " on PATH";
    return new CommandError("E-NOT-FOUND", `program not found${where}: "${program}"`);
  }
  if (err.code === "EACCES") return new CommandError("E-AUTH-FORBID", `program is not executable: "${program}"`);
  return new CommandError("E-INTERNAL", `could not start "${program}"${cwd ? ` in ${cwd}` : ""}: ${err.message}`);
}

/** Splits text into pieces of at most `maxBytes` UTF-8 bytes, never inside a character. */
export function splitUtf8(text: string, maxBytes: number): string[] {
  if (Buffer.byteLength(text) <= maxBytes) return [text];
  const bytes = Buffer.from(text, "utf8");
  const pieces: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + maxBytes, bytes.length);
    // Step back off UTF-8 continuation bytes (10xxxxxx) so no character is cut in two.
    while (end < bytes.length && end > start && (bytes[end]! & 0xc0) === 0x80) end--;
    pieces.push(bytes.toString("utf8", start, end));
    start = end;
  }
  return pieces;
}

/** The last TAIL_BYTES bytes of a stream, decoded from a character boundary. */
class OutputTail {
  private buffer = Buffer.alloc(0);

  push(data: Buffer): void {
    const joined = Buffer.concat([this.buffer, data]);
    this.buffer = joined.length > TAIL_BYTES ? joined.subarray(joined.length - TAIL_BYTES) : joined;
  }

  text(): string {
    let start = 0;
    while (start < this.buffer.length && start < 3 && (this.buffer[start]! & 0xc0) === 0x80) start++;
    return this.buffer.toString("utf8", start);
  }
}
