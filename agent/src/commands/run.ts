import { spawn } from "node:child_process";
import { createLogger } from "../agent-log.ts";
import { loadConfig } from "../config-file.ts";
import { stayConnected, type StopReason } from "../connection.ts";
import { homePaths, readCredential } from "../home.ts";

/** Exit codes of `anchorage run`, so a supervisor can tell why it stopped. */
export const EXIT = { ok: 0, config: 2, deleted: 3, replaced: 4 } as const;

/** `anchorage run`: connect and stay connected until a signal, a disconnect or a deletion. */
export async function run(opts: { home?: string }): Promise<number> {
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
  log.info(`starting agent for ${credential.instance_id} (${config.name}) → ${credential.url}`);
  const reason: StopReason = await stayConnected({ credential, config, log, ownLogFile: paths.log, signal: stop.signal, home: paths.dir });
  if (reason === "restart") {
    // Restart in place: a fresh process with the same arguments (a supervisor would do the same on exit).
    const child = spawn(process.execPath, process.argv.slice(1), { detached: true, stdio: "inherit" });
    child.unref();
    return EXIT.ok;
  }
  return reason === "deleted" ? EXIT.deleted : reason === "replaced" ? EXIT.replaced : EXIT.ok;
}
