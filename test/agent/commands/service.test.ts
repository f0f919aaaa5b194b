import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const CLI = new URL("../../../agent/bin/anchorage.mjs", import.meta.url).pathname;
const NODE = new URL("../../../node_modules/.bin/node", import.meta.url).pathname;

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string>) {
  const r = spawnSync(NODE, [CLI, ...args], { env: { HOME: dir, ...env }, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("anchorage service install", () => {
  it("--dry-run prints a unit that runs this node and CLI supervised and restarts on exit 75, and writes nothing", () => {
    dir = mkdtempSync(join(tmpdir(), "anchorage-service-"));
    const home = join(dir, "agent home");
    const r = cli(["service", "install", "--user", "--home", home, "--dry-run"], { PATH: "/usr/bin:/bin", XDG_CONFIG_HOME: join(dir, "cfg") });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`# ${join(dir, "cfg/systemd/user/anchorage.service")} (dry run: nothing written)`);
    const exec = /^ExecStart=(.*)$/m.exec(r.out)![1]!;
    // Absolute node (the one running the CLI) and CLI, the home quoted for its space, --supervised.
    expect(exec).toMatch(/^\/\S+\/node \/\S+\/agent\/bin\/anchorage\.mjs run --home ".*agent home" --supervised$/);
    expect(r.out).toMatch(/^Restart=on-failure$/m);
    expect(r.out).toMatch(/^RestartForceExitStatus=75$/m);
    expect(r.out).toMatch(/^RestartPreventExitStatus=2 3 4$/m);
    expect(r.out).toMatch(/^WantedBy=default\.target$/m);
    expect(existsSync(join(dir, "cfg"))).toBe(false);
  });

  it("--system makes a system unit for multi-user.target that runs as this user", () => {
    dir = mkdtempSync(join(tmpdir(), "anchorage-service-"));
    const r = cli(["service", "install", "--system", "--home", join(dir, "h"), "--dry-run"], { PATH: "/usr/bin:/bin" });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("# /etc/systemd/system/anchorage.service (dry run: nothing written)");
    expect(r.out).toMatch(/^User=\S+$/m);
    expect(r.out).toMatch(/^WantedBy=multi-user\.target$/m);
  });

  it("writes the user unit, reloads systemd and enables it --now, and says so", () => {
    dir = mkdtempSync(join(tmpdir(), "anchorage-service-"));
    const bin = join(dir, "bin");
    mkdirSync(bin);
    const calls = join(dir, "calls");
    writeFileSync(join(bin, "systemctl"), `#!/bin/sh\necho "$@" >> ${JSON.stringify(calls)}\n`);
    chmodSync(join(bin, "systemctl"), 0o755);
    const r = cli(["service", "install", "--user", "--home", join(dir, "h")], { PATH: `${bin}:/usr/bin:/bin`, XDG_CONFIG_HOME: join(dir, "cfg") });
    expect(r.code, r.err).toBe(0);
    const unitPath = join(dir, "cfg/systemd/user/anchorage.service");
    expect(readFileSync(unitPath, "utf8")).toMatch(/^ExecStart=\S+ \S+ run --home \S+\/h --supervised$/m);
    expect(readFileSync(calls, "utf8")).toBe("--user daemon-reload\n--user enable --now anchorage.service\n");
    expect(r.out).toContain(`wrote ${unitPath}`);
    expect(r.out).toContain("enabled and started anchorage.service");
  });

  it("without systemctl prints the unit and says that nothing was installed", () => {
    dir = mkdtempSync(join(tmpdir(), "anchorage-service-"));
    const r = cli(["service", "install", "--home", join(dir, "h")], { PATH: join(dir, "nothing-here"), XDG_CONFIG_HOME: join(dir, "cfg") });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^RestartForceExitStatus=75$/m);
    expect(r.err).toContain("systemctl not found");
    expect(existsSync(join(dir, "cfg"))).toBe(false);
  });
});
