import type { StopReason } from "../connection.ts";
import { endWithKeeper, isSupervised, keepRunning, RESTART_EXIT_CODE } from "./supervise.ts";

/** Exit codes of `anchorage run`, so a supervisor can tell why it stopped. */
export const EXIT = { ok: 0, config: 2, deleted: 3, replaced: 4, restart: RESTART_EXIT_CODE } as const;

/**
 * `anchorage run`: connect and stay connected until a signal, a disconnect or a deletion.
 * Under a supervisor (see isSupervised) a restart ends the process with EXIT.restart for the
 * supervisor to start it again; otherwise this process keeps its PID and runs the agent as a
 * child it restarts (keepRunning).
 */
export async function run(opts: { home?: string; supervised?: boolean }): Promise<number> {
  if (!isSupervised(opts)) return keepRunning();
  // Only the process that connects loads the agent; the keeper above stays small (issue 22).
  const [{ createLogger }, { loadConfig }, { stayConnected }, { homePaths, readCredential }] = await Promise.all([
    import("../agent-log.ts"),
    import("../config-file.ts"),
    import("../connection.ts"),
    import("../home.ts"),
  ]);
  const paths = homePaths(opts.home);
  const credential = await readCredential(paths.credential);
  if (!credential) throw new Error(`not anchored yet (no ${paths.credential}); run \`anchorage anchor <url>\` first`);
  // A wrong config is refused here, with its line and reason, before anything connects.
  const config = await loadConfig(paths.config);
  const log = createLogger(paths.log);
  const stop = new AbortController();
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      log.info(`${sig}: shutting down`);
      stop.abort();
    });
  }
  endWithKeeper(() => {
    log.info("the keeper process is gone: exiting");
    process.exit(1);
  });
  log.info(`starting agent for ${credential.instance_id} (${config.name}) → ${credential.url}`);
  const reason: StopReason = await stayConnected({ credential, config, log, ownLogFile: paths.log, signal: stop.signal, home: paths.dir });
  // The supervisor (systemd, Docker, launchd, our own keeper) starts a fresh process on this code.
  if (reason === "restart") return EXIT.restart;
  return reason === "deleted" ? EXIT.deleted : reason === "replaced" ? EXIT.replaced : EXIT.ok;
}
