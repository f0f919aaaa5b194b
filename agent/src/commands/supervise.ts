import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * The exit code `anchorage run` ends with when it was asked to restart and a supervisor is
 * watching: 75, EX_TEMPFAIL in sysexits.h ("try again"). A supervisor restarts the agent on it:
 * systemd with `RestartForceExitStatus=75` (what `anchorage service install` writes), Docker with
 * `--restart unless-stopped`, launchd with `KeepAlive { SuccessfulExit = false }`, a shell loop with
 * `while anchorage run --supervised; [ $? -eq 75 ]; do :; done`.
 */
export const RESTART_EXIT_CODE = 75;

/**
 * Whether something outside restarts this process when it exits, so a restart may simply exit
 * with RESTART_EXIT_CODE: `--supervised` (or ANCHORAGE_SUPERVISED=1), or a systemd service
 * (INVOCATION_ID set *and* systemd our parent: a shell in a desktop terminal inherits
 * INVOCATION_ID from the terminal's own unit, and nothing would bring the agent back there).
 */
export function isSupervised(opts: { supervised?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (opts.supervised) return true;
  if (env.ANCHORAGE_SUPERVISED === "1" || env.ANCHORAGE_SUPERVISED === "true") return true;
  return Boolean(env.INVOCATION_ID) && parentIsSystemd();
}

function parentIsSystemd(): boolean {
  try {
    return readFileSync(`/proc/${process.ppid}/comm`, "utf8").trim() === "systemd";
  } catch {
    return false; // no /proc (macOS): launchd and others use --supervised
  }
}

/**
 * Without a supervisor, `anchorage run` is this small keeper: it runs the agent as a child
 * (`run --supervised`, same arguments) and starts it again when it exits with RESTART_EXIT_CODE,
 * so the PID a script, pm2 or a terminal started stays the same across restarts. SIGINT, SIGTERM
 * and SIGHUP go to the child, and the keeper ends with the child's code once it has stopped.
 */
export function keepRunning(argv: readonly string[] = process.argv.slice(1)): Promise<number> {
  const [script, ...args] = argv;
  let child: ReturnType<typeof spawn> | undefined;
  let stopping: NodeJS.Signals | null = null;
  const forward = (sig: NodeJS.Signals) => {
    stopping = sig;
    child?.kill(sig === "SIGHUP" ? "SIGTERM" : sig); // the agent shuts down cleanly on SIGINT and SIGTERM
  };
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const sig of signals) process.on(sig, forward);

  return new Promise((resolve) => {
    const start = () => {
      // Its own process group, so a Ctrl-C reaches it once (through us), not twice. The IPC channel
      // is only a lifeline: when the keeper dies (even by SIGKILL), the agent sees it close and ends too.
      child = spawn(process.execPath, [...process.execArgv, script!, ...args, "--supervised"], { stdio: ["inherit", "inherit", "inherit", "ipc"], detached: true });
      child.on("exit", (code, signal) => {
        if (code === RESTART_EXIT_CODE && !stopping) return void setTimeout(start, 100);
        for (const sig of signals) process.off(sig, forward);
        resolve(code ?? (signal ? 128 + (signalNumber(signal) ?? 0) : 1));
      });
      child.on("error", (e) => {
        console.error(`anchorage: could not start the agent: ${e.message}`);
        resolve(1);
      });
    };
    start();
  });
}

const signalNumber = (s: NodeJS.Signals): number | undefined => ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 })[s as string];

/** In the agent a keeper started: end at once when the keeper is gone, as the one process did before. */
export function endWithKeeper(onGone: () => void): void {
  if (!process.send) return;
  process.channel?.unref();
  process.on("disconnect", onGone);
}
