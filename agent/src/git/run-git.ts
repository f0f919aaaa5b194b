import { AsyncLocalStorage } from "node:async_hooks";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ErrorCode } from "@anchorage/common/errors";
import { GIT_TIMEOUT_MS } from "@anchorage/common/protocol/git";
import { RpcError } from "../rpc-error.ts";

export interface RunGitOptions {
  /** Read-only commands take no optional locks, so they never contend with the user's own git. */
  readOnly?: boolean;
  /** Most bytes of stdout kept; default DEFAULT_MAX_OUTPUT_BYTES. */
  maxBytes?: number;
  /** When true, stdout past maxBytes is cut and reported; otherwise it is an error. */
  truncate?: boolean;
  /** Take paths literally: `*` or `:(top)` in a file name is not a pattern or a magic word. */
  literalPathspecs?: boolean;
  /** Exit codes that are an answer rather than a failure (`git diff --quiet` exits 1 for "differs"). */
  okExitCodes?: number[];
  /** Extra environment, e.g. the author of a commit. */
  env?: Record<string, string>;
  /** Aborting kills git, like the time limit does. */
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface GitOutput {
  stdout: string;
  exitCode: number;
  truncated: boolean;
}

/** Plenty for porcelain status or a log page of a very large repository, yet bounded. */
export const DEFAULT_MAX_OUTPUT_BYTES = 32 * 1024 * 1024;
const MAX_STDERR_BYTES = 64 * 1024;
/** Error messages travel in an rpc-result, which cuts them at 4000 characters anyway. */
const MAX_MESSAGE_CHARS = 2000;
/** Refusals the user resolves by dealing with other work (merging, pulling, a git already running), not by changing the request. */
const CONFLICT = /conflict|would be overwritten|not fully merged|non-fast-forward|rejected|another git process/i;

/**
 * Runs `git <args>` in `cwd` without a shell. Resolves with stdout when git exits 0 (or with an
 * exit code in okExitCodes); otherwise rejects with an RpcError carrying git's own stderr.
 */
export function runGit(cwd: string, args: string[], options: RunGitOptions = {}): Promise<GitOutput> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const timeoutMs = options.timeoutMs ?? GIT_TIMEOUT_MS;
  options.signal?.throwIfAborted();

  // --no-pager and color off: output is for a program. quotepath off: paths come as they are.
  const argv = [
    "--no-pager", "-c", "core.quotepath=off", "-c", "color.ui=false", ...untrustedOverrides(),
    ...(options.literalPathspecs ? ["--literal-pathspecs"] : []), ...args,
  ];
  const windows = process.platform === "win32";
  const child = spawn("git", argv, {
    cwd,
    env: gitEnv(options),
    shell: false,
    stdio: ["ignore", "pipe", "pipe"],
    detached: !windows, // its own process group: a hook git started dies with it on timeout
    windowsHide: true,
  });

  return new Promise<GitOutput>((resolve, reject) => {
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let truncated = false;
    const stderr: Buffer[] = [];
    let stderrBytes = 0;
    let stopped: "timeout" | "abort" | undefined;
    let failure: unknown;

    const kill = () => {
      if (child.pid === undefined) return;
      try {
        if (windows) child.kill("SIGKILL");
        else process.kill(-child.pid, "SIGKILL");
      } catch (err) {
        // ESRCH: already gone, which is what we wanted.
        if ((err as NodeJS.ErrnoException).code !== "ESRCH") failure ??= err;
      }
    };
    const timer = setTimeout(() => {
      stopped = "timeout";
      kill();
    }, timeoutMs);
    const onAbort = () => {
      stopped = "abort";
      kill();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });

    child.stdout.on("data", (data: Buffer) => {
      if (truncated) return;
      const room = maxBytes - stdoutBytes;
      if (data.length <= room) {
        stdout.push(data);
        stdoutBytes += data.length;
        return;
      }
      stdout.push(data.subarray(0, room));
      stdoutBytes = maxBytes;
      truncated = true;
      // What is cut is never read: stop git instead of letting it produce the rest.
      kill();
    });
    child.stderr.on("data", (data: Buffer) => {
      if (stderrBytes >= MAX_STDERR_BYTES) return;
      stderr.push(data.subarray(0, MAX_STDERR_BYTES - stderrBytes));
      stderrBytes += data.length;
    });

    child.on("error", (err: NodeJS.ErrnoException) => {
      cleanup();
      if (err.code === "ENOENT") reject(new RpcError("E-CONFIG", "git is not installed (not found on PATH)"));
      else reject(new RpcError("E-INTERNAL", `could not run git: ${err.message}`));
    });

    child.on("close", (code) => {
      cleanup();
      const command = `git ${args[0] ?? ""}`.trim();
      if (failure !== undefined) return reject(new RpcError("E-INTERNAL", `could not stop ${command}: ${(failure as Error).message}`));
      if (stopped === "timeout") return reject(new RpcError("E-TIMEOUT", `${command} took longer than ${Math.round(timeoutMs / 1000)} s and was stopped`));
      if (stopped === "abort") return reject(new RpcError("E-INTERNAL", `${command} was stopped: the request was cancelled`));
      if (truncated && !options.truncate) {
        return reject(new RpcError("E-PAYLOAD-TOO-LARGE", `${command} printed more than ${maxBytes} bytes`));
      }
      const out = Buffer.concat(stdout);
      const exitCode = code ?? -1;
      // A cut output ends with git killed: what was read is the answer.
      if (!truncated && exitCode !== 0 && !(options.okExitCodes ?? []).includes(exitCode)) {
        const message = Buffer.concat(stderr).toString("utf8").trim() || `${command} failed with exit code ${exitCode}`;
        return reject(gitFailure(message));
      }
      resolve({ stdout: truncated ? decodeCut(out) : out.toString("utf8"), exitCode, truncated });
    });

    function cleanup() {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    }
  });
}

/**
 * Whether the git being run now is for a principal that may run commands on this instance (the
 * Worker says so in the git RPC's `trusted`). Set for a whole request by `runTrusted`, so every
 * git it starts (status, the checks before a commit, discovery of repositories) is covered without
 * each function passing it on. Outside `runTrusted` git is untrusted: a call that forgets to say
 * fails closed.
 */
const trust = new AsyncLocalStorage<boolean>();

/** Runs `fn` with every git it starts trusted (today's git) or not (repository-configured programs off). */
export function runTrusted<T>(trusted: boolean, fn: () => Promise<T>): Promise<T> {
  return trust.run(trusted, fn);
}

/** Whether the git being run now may start programs the repository's config names (see runTrusted). */
export function gitTrusted(): boolean {
  return trust.getStore() === true;
}

/**
 * The `-c` options every untrusted git gets, outranking the repository's config (command-line
 * config is read last), so nothing the repository configures starts a program even if the
 * refusal of exec-capable keys (exec-config.ts) missed one or the config changed since. They
 * reach child gits too (submodules): git passes them on in GIT_CONFIG_PARAMETERS.
 */
export function untrustedOverrides(): string[] {
  if (gitTrusted()) return [];
  return [
    "-c", "core.fsmonitor=false",
    // An empty directory only the agent can write: no hook in .git/hooks (or anywhere) runs.
    "-c", `core.hooksPath=${emptyHooksDir()}`,
    "-c", "protocol.ext.allow=never", // ext:: URLs run a command
    "-c", "core.sshCommand=ssh",
    "-c", "core.pager=cat",
    "-c", "core.editor=true",
    "-c", "sequence.editor=true",
    // Empty: no askpass program runs (git then falls back to the terminal, which GIT_TERMINAL_PROMPT=0 refuses).
    "-c", "core.askPass=",
    "-c", "diff.external=",
    // A git directory found without .git (a bare-looking folder) is the way to a config nobody checked.
    "-c", "safe.bareRepository=explicit",
  ];
}

let hooksDir: string | undefined;
/** A directory the agent made for itself (mode 0700) and keeps empty: core.hooksPath of untrusted git. */
function emptyHooksDir(): string {
  if (hooksDir === undefined || !isEmptyDir(hooksDir)) hooksDir = mkdtempSync(join(tmpdir(), "anchorage-no-hooks-"));
  return hooksDir;
}

/** Checked before each use: a directory removed (a tmp cleaner) or written to is replaced, never trusted. */
function isEmptyDir(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch {
    return false;
  }
}

/** A failed git command as an RpcError: git's message, and whether it is a conflict or a bad request. */
export function gitFailure(stderr: string): RpcError {
  const message = stderr.length > MAX_MESSAGE_CHARS ? `${stderr.slice(0, MAX_MESSAGE_CHARS)}…` : stderr;
  const code: ErrorCode = CONFLICT.test(stderr) ? "E-CONFLICT" : "E-VALIDATION";
  return new RpcError(code, message);
}

/** The environment every git the agent runs gets: never a prompt, an editor, a pager or a translation. */
export function gitEnv(options: Pick<RunGitOptions, "readOnly" | "env"> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_TERMINAL_PROMPT: "0", // no one is at a terminal to type a password: fail instead of waiting
    GIT_EDITOR: "true",
    GIT_PAGER: "cat",
    LC_ALL: "C", // messages in English, so CONFLICT above can read them
    ...options.env,
  };
  // Inherited from a hook that started the agent, these would point git at another repository.
  delete env.GIT_DIR;
  delete env.GIT_WORK_TREE;
  delete env.GIT_INDEX_FILE;
  if (options.readOnly) env.GIT_OPTIONAL_LOCKS = "0";
  return env;
}

/** Decodes output cut at a byte count, dropping a last character the cut split in two. */
function decodeCut(bytes: Buffer): string {
  let end = bytes.length;
  // Step back over UTF-8 continuation bytes (10xxxxxx) to the lead byte of the last character.
  let lead = end - 1;
  while (lead > 0 && end - lead < 4 && (bytes[lead]! & 0xc0) === 0x80) lead--;
  const first = bytes[lead];
  const size = first === undefined || first < 0xc0 ? 1 : first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : 2;
  if (lead + size > end) end = lead;
  return bytes.toString("utf8", 0, end);
}
