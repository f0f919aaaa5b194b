import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NODE, until, untilOnline } from "./agent-process.ts";
import { api, base } from "./http-client.ts";
import { openTerminal } from "./terminal-client.ts";
import { freshUser } from "./users.ts";

/**
 * A machine without this repository: a fresh HOME outside the checkout, a PATH with nothing but
 * Node 22 (a symlink to the real binary behind node_modules/.bin/node) and /usr/bin (curl, sh,
 * sha256sum). What the README and the dashboard tell people to run, run as they would.
 */
const REAL_NODE = realpathSync(NODE);
const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

function machine(node: "node22" | "fake20" | "none") {
  const home = mkdtempSync(join(tmpdir(), "anchorage-machine-"));
  made.push(home);
  const tools = join(home, "tools");
  mkdirSync(tools);
  if (node === "node22") symlinkSync(REAL_NODE, join(tools, "node"));
  if (node === "fake20") {
    writeFileSync(join(tools, "node"), '#!/bin/sh\necho v20.11.0\n');
    chmodSync(join(tools, "node"), 0o755);
  }
  // "none": only the tools the script needs, without /usr/bin (which may hold a system node).
  if (node === "none") for (const t of ["sh", "curl", "mkdir", "sed", "sha256sum", "chmod", "mv", "rm"]) symlinkSync(`/usr/bin/${t}`, join(tools, t));
  const path = node === "none" ? tools : `${tools}:${join(home, ".local/bin")}:/usr/bin`;
  return { home, env: { HOME: home, PATH: path, LANG: "C.UTF-8" } };
}

const sh = (script: string, m: { home: string; env: Record<string, string> }) =>
  spawnSync("/bin/sh", ["-c", script], { cwd: m.home, env: m.env, encoding: "utf8", timeout: 60_000 });

describe("curl -fsSL <deployment>/install.sh | sh", () => {
  it("installs the agent on a machine with only Node 22 and curl, and the printed anchor command brings it online", async () => {
    const m = machine("node22");
    const install = sh(`curl -fsSL ${base()}/install.sh | sh`, m);
    expect(install.stderr).toBe("");
    expect(install.status).toBe(0);

    // One file, the one the deployment announces, and a launcher that runs it.
    const latest = (await api("/agent/latest.json")).body as { version: string; sha256: string };
    const bundle = join(m.home, ".anchorage/bin/anchorage.mjs");
    expect(createHash("sha256").update(readFileSync(bundle)).digest("hex")).toBe(latest.sha256);
    expect(readFileSync(join(m.home, ".local/bin/anchorage"), "utf8")).toContain(bundle);
    expect(sh("anchorage --version", m).stdout.trim()).toBe(latest.version);

    // The commands it prints, with this deployment's address; the anchor one run with a token instead of the browser.
    const anchorLine = /^ {4}(anchorage anchor \S+)$/m.exec(install.stdout)?.[1];
    expect(anchorLine).toBe(`anchorage anchor ${base()}`);
    expect(install.stdout).toMatch(/^ {4}anchorage run$/m);
    const user = await freshUser("installer");
    const anchored = sh(`${anchorLine} --token ${user.token} --name installed-box`, m);
    expect(anchored.status, anchored.stdout + anchored.stderr).toBe(0);
    const instanceId = /as (ins_\S+)/.exec(anchored.stdout)![1]!;
    writeFileSync(join(m.home, ".anchorage/config.yaml"), `name: installed-box\nroots: [${JSON.stringify(m.home)}]\nterminal: { shell: /bin/sh, record: false }\n`);

    const run = spawn("/bin/sh", ["-c", "exec anchorage run"], { cwd: m.home, env: m.env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    run.stdout!.on("data", (d) => (out += d));
    run.stderr!.on("data", (d) => (out += d));
    try {
      await untilOnline(user.token, [instanceId]);
      const info = await api(`/api/cloud/instance/${instanceId}/info`, { token: user.token });
      expect(info.body).toMatchObject({ agent_version: latest.version, node: `v${realNodeVersion()}` });
      // Outside the repository node-pty cannot be found: the agent says so and uses `script`, it does not crash.
      const log = await until(() => {
        const text = existsSync(join(m.home, ".anchorage/agent.log")) ? readFileSync(join(m.home, ".anchorage/agent.log"), "utf8") : "";
        return text.includes("node-pty could not load") ? text : "";
      });
      expect(log).toContain("terminals use `script`");
      const t = await openTerminal(instanceId, user.token);
      expect(t.opened).toEqual({ ok: true });
      t.type("echo $((6*7))\r");
      await t.waitFor(/42\r?\n/);
      t.ws.close();

      // The update builtin, run from the dashboard's API: the file is already the served one, so it says so and keeps it.
      const res = await api(`/api/cloud/instance/${instanceId}/command`, { token: user.token, body: { command: "update" } });
      expect(res.body, JSON.stringify(res.body)).toMatchObject({ status: "success", exit_code: 0 });
      expect(res.body.output_tail).toContain("already up to date");
    } finally {
      run.kill("SIGTERM");
    }
    expect(out).not.toMatch(/ERR_|TypeError|ReferenceError/);
  });

  it("the update builtin replaces an older agent file with the deployment's, checked against its hash", async () => {
    const m = machine("node22");
    expect(sh(`curl -fsSL ${base()}/install.sh | sh`, m).status).toBe(0);
    const bundle = join(m.home, ".anchorage/bin/anchorage.mjs");
    const served = readFileSync(bundle);
    writeFileSync(bundle, Buffer.concat([served, Buffer.from("\n// an older build\n")]));
    const user = await freshUser("updater");
    const anchored = sh(`anchorage anchor ${base()} --token ${user.token}`, m);
    expect(anchored.status, anchored.stdout + anchored.stderr).toBe(0);
    const instanceId = /as (ins_\S+)/.exec(anchored.stdout)![1]!;
    const run = spawn("/bin/sh", ["-c", "exec anchorage run"], { cwd: m.home, env: m.env, stdio: "ignore" });
    try {
      await untilOnline(user.token, [instanceId]);
      const res = await api(`/api/cloud/instance/${instanceId}/command`, { token: user.token, body: { command: "update" } });
      expect(res.body, JSON.stringify(res.body)).toMatchObject({ status: "success", exit_code: 0 });
      expect(res.body.output_tail).toMatch(/updated \S+ → \S+/);
      expect(readFileSync(bundle).equals(served)).toBe(true);
    } finally {
      run.kill("SIGTERM");
    }
  });

  it("refuses a download whose hash is not the one in the script, and installs nothing", async () => {
    const m = machine("node22");
    const script = (await (await fetch(`${base()}/install.sh`)).text()).replace(/^BUNDLE_SHA256='[0-9a-f]{64}'$/m, `BUNDLE_SHA256='${"0".repeat(64)}'`);
    writeFileSync(join(m.home, "install.sh"), script);
    const r = sh("sh install.sh", m);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^anchorage install: the download's SHA-256 is [0-9a-f]{64}, expected 0{64}: nothing installed\n$/);
    expect(existsSync(join(m.home, ".anchorage/bin/anchorage.mjs"))).toBe(false);
    expect(existsSync(join(m.home, ".local/bin/anchorage"))).toBe(false);
  });

  it("stops with one line naming Node 22 when node is too old", () => {
    const m = machine("fake20");
    const r = sh(`curl -fsSL ${base()}/install.sh | sh`, m);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^anchorage install: needs Node\.js 22 or newer, found v20\.11\.0: install it from https:\/\/nodejs\.org[^\n]*\n$/);
    expect(existsSync(join(m.home, ".anchorage"))).toBe(false);
  });

  it("stops with one line naming Node 22 when there is no node at all", () => {
    const m = machine("none");
    const r = sh(`curl -fsSL ${base()}/install.sh | sh`, m);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^anchorage install: needs Node\.js 22 or newer and found no node on PATH[^\n]*\n$/);
  });
});

function realNodeVersion() {
  return spawnSync(REAL_NODE, ["-p", "process.versions.node"], { encoding: "utf8" }).stdout.trim();
}
