import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { homePaths } from "../home.ts";
import { RESTART_EXIT_CODE } from "./supervise.ts";

/** The CLI's entry point, for ExecStart (absolute, like the node that runs it). */
const CLI = fileURLToPath(new URL("../../bin/anchorage.mjs", import.meta.url));
const UNIT = "anchorage.service";

export type ServiceOptions = { home?: string; dryRun?: boolean; system?: boolean };

/**
 * The systemd unit for `anchorage run --supervised`: restarted when it asks to be (exit 75, the
 * restart builtin) and when it fails, but not when its instance was deleted (3) or replaced (4)
 * or its config is wrong (2): starting again would only fail again.
 */
export function systemdUnit(o: { home: string; system: boolean; node?: string; cli?: string; user?: string }): string {
  const q = (s: string) => (/[\s"\\]/.test(s) ? JSON.stringify(s) : s);
  return [
    "[Unit]",
    `Description=Anchorage agent (${o.home})`,
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    ...(o.system ? [`User=${o.user ?? os.userInfo().username}`] : []),
    `ExecStart=${[o.node ?? process.execPath, o.cli ?? CLI, "run", "--home", o.home, "--supervised"].map(q).join(" ")}`,
    "Restart=on-failure",
    `RestartForceExitStatus=${RESTART_EXIT_CODE}`,
    "RestartPreventExitStatus=2 3 4",
    "RestartSec=2",
    "",
    "[Install]",
    `WantedBy=${o.system ? "multi-user.target" : "default.target"}`,
    "",
  ].join("\n");
}

function findOnPath(program: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, program);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      /* not here */
    }
  }
  return null;
}

/**
 * `anchorage service install [--home H] [--system] [--dry-run]`: writes a systemd unit that runs
 * this agent supervised (a user unit in ~/.config/systemd/user, or a system one in
 * /etc/systemd/system with --system or as root), enables and starts it, and says what it did.
 */
export async function serviceInstall(opts: ServiceOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const home = homePaths(opts.home).dir;
  const system = opts.system ?? os.userInfo().uid === 0;
  const unitDir = system ? "/etc/systemd/system" : join(env.XDG_CONFIG_HOME || join(os.homedir(), ".config"), "systemd", "user");
  const unitPath = join(unitDir, UNIT);
  const unit = systemdUnit({ home, system });
  if (!existsSync(homePaths(home).credential)) console.error(`anchorage: note: ${home} is not anchored yet; run \`anchorage anchor <url> --home ${home}\` before the service starts`);

  if (opts.dryRun) {
    console.log(`# ${unitPath} (dry run: nothing written)\n${unit}`);
    return 0;
  }
  const systemctl = findOnPath("systemctl", env);
  if (!systemctl) {
    console.log(`# ${unitPath}\n${unit}`);
    console.error(`anchorage: systemctl not found: this machine does not run systemd, so nothing was written or enabled.
The unit above is what would be installed; for Docker or launchd see docs/machines.md ("Running under a supervisor").`);
    return 1;
  }
  await mkdir(dirname(unitPath), { recursive: true });
  await writeFile(unitPath, unit);
  console.log(`wrote ${unitPath}`);
  const scope = system ? [] : ["--user"];
  for (const args of [[...scope, "daemon-reload"], [...scope, "enable", "--now", UNIT]]) {
    console.log(`running systemctl ${args.join(" ")}`);
    const r = spawnSync(systemctl, args, { stdio: "inherit", env });
    if (r.status !== 0) {
      console.error(`anchorage: systemctl ${args.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`}); the unit is written, fix the cause and run it again`);
      return 1;
    }
  }
  console.log(`enabled and started ${UNIT}: \`systemctl ${scope.join(" ")}${scope.length ? " " : ""}status ${UNIT}\` shows it, \`journalctl ${system ? "-u" : "--user -u"} ${UNIT}\` its log`);
  if (!system) console.log(`a user unit runs while you are logged in; \`loginctl enable-linger ${os.userInfo().username}\` keeps it running after you log out and starts it at boot`);
  return 0;
}
