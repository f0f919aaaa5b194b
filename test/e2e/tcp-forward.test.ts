import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, base } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { anchorage, startAgent, until, untilOnline } from "./agent-process.ts";
import { hasChromium, launchChromium, signInContext } from "./browser.ts";
import { waitForPage } from "./dashboard-shell.ts";

/**
 * TCP forwarding end to end: a real agent whose config lists an echo server and a real sshd;
 * `anchorage forward` (the real CLI) on a local port; 10 MB each way through it, compared by hash;
 * ssh through it running `echo ok`; a name the config does not list, a sharee without `proxy`,
 * and a revoked share closing an open forward at once.
 */
const SSHD = "/usr/sbin/sshd";

function echoServer(): Promise<Server> {
  const server = createServer({ allowHalfOpen: true }, (s) => {
    s.pipe(s); // everything back, and END after the last byte
  });
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r(server)));
}

/** A forward's local port, from the line the CLI prints once it listens. */
async function startForward(args: string[]) {
  const f = anchorage(["forward", ...args]);
  const port = Number(await until(() => /forwarding 127\.0\.0\.1:(\d+)/.exec(f.output())?.[1], 20_000));
  return { ...f, port };
}

/** Sends `bytes` on a fresh connection, half-closes, and resolves with everything read back until END. */
function roundTrip(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    const got: Buffer[] = [];
    s.on("data", (d) => got.push(d));
    s.on("end", () => {
      s.end();
      resolve(Buffer.concat(got));
    });
    s.on("error", reject);
    s.on("connect", () => s.end(bytes));
  });
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("anchorage forward", () => {
  let owner: TestUser;
  let sharee: TestUser;
  let echo: Server;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let sshd: ChildProcess | null = null;
  const dir = mkdtempSync(join(tmpdir(), "anchorage-forward-"));
  let sshdPort = 0;
  const forwards: ChildProcess[] = [];

  beforeAll(async () => {
    owner = await freshUser("forward-owner");
    sharee = await freshUser("forward-sharee");
    echo = await echoServer();
    if (existsSync(SSHD)) {
      // A real sshd of our own on a free port: its host key, and the client's key authorized
      // (and its privilege-separation directory, which a fresh install may not have made).
      if (process.getuid?.() === 0) mkdirSync("/run/sshd", { recursive: true });
      execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "host_key")]);
      execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "client_key")]);
      execFileSync("cp", [join(dir, "client_key.pub"), join(dir, "authorized_keys")]);
      const probe = createServer();
      await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
      sshdPort = (probe.address() as AddressInfo).port;
      await new Promise<void>((r) => probe.close(() => r()));
      writeFileSync(
        join(dir, "sshd_config"),
        [`Port ${sshdPort}`, "ListenAddress 127.0.0.1", `HostKey ${join(dir, "host_key")}`, `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
          "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no", "StrictModes no", `PidFile ${join(dir, "sshd.pid")}`].join("\n") + "\n",
      );
      sshd = spawn(SSHD, ["-D", "-e", "-f", join(dir, "sshd_config")], { stdio: "ignore" });
      await until(() => new Promise<boolean>((r) => connect(sshdPort, "127.0.0.1").once("connect", function (this: any) { this.destroy(); r(true); }).once("error", () => r(false))), 10_000);
    }
    const echoPort = (echo.address() as AddressInfo).port;
    const list = [`{ name: echo, target: "127.0.0.1:${echoPort}" }`, ...(sshdPort ? [`{ name: ssh, target: "127.0.0.1:${sshdPort}" }`] : [])];
    agent = await startAgent(owner.token, `name: forward-box\nforward: [${list.join(", ")}]\n`);
    await untilOnline(owner.token, [agent.instanceId]);
  });
  afterAll(async () => {
    for (const f of forwards) f.kill("SIGKILL");
    agent?.run.child.kill("SIGKILL");
    sshd?.kill("SIGKILL");
    echo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("carries 10 MB each way to a TCP echo server, byte for byte, with the half-close crossing", async () => {
    const f = await startForward([agent.instanceId, "echo", "--url", base(), "--token", owner.token]);
    forwards.push(f.child);
    const payload = randomBytes(10 * 1024 * 1024);
    const back = await roundTrip(f.port, payload);
    expect(back.length).toBe(payload.length);
    expect(sha(back)).toBe(sha(payload));
    // Several connections at once, each its own stream.
    const small = await Promise.all([1, 2, 3].map((n) => roundTrip(f.port, Buffer.from(`hello ${n}\n`.repeat(1000)))));
    small.forEach((b, i) => expect(b.toString()).toBe(`hello ${i + 1}\n`.repeat(1000)));
    // Opening one is in the audit log.
    const audit = await api(`/api/cloud/activity?instance=${agent.instanceId}`, { token: owner.token });
    expect(JSON.stringify(audit.body)).toContain("TCP forward");
  });

  it.runIf(existsSync(SSHD) || process.env.CI)("runs ssh … echo ok through the machine's sshd", async () => {
    const f = await startForward([agent.instanceId, "ssh", "--url", base(), "--token", owner.token]);
    forwards.push(f.child);
    const out = execFileSync("ssh", ["-p", String(f.port), "-i", join(dir, "client_key"), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", `${userInfo().username}@127.0.0.1`, "echo", "ok"], { encoding: "utf8", timeout: 30_000 });
    expect(out.trim()).toBe("ok");
  });

  it("refuses a name the config does not list (404), a sharee without proxy (403), and closes a forward when the share is revoked", async () => {
    const nope = anchorage(["forward", agent.instanceId, "db", "--url", base(), "--token", owner.token]);
    expect(await nope.done).toBe(1);
    expect(nope.output()).toMatch(/forward "db" not found: the instance's config lists echo/);
    expect((await api(`/api/cloud/instance/${agent.instanceId}/forward/db`, { token: owner.token })).status).toBe(404);

    const read = await api("/api/cloud/shares/save", { method: "POST", token: owner.token, body: { grantee_email: sharee.email, instance_id: agent.instanceId, permissions: ["read:cloud_instance"] } });
    expect(read.status).toBe(200);
    const refused = await api(`/api/cloud/instance/${agent.instanceId}/forward/echo`, { token: sharee.token });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("E-AUTH-FORBID");

    // With proxy the sharee forwards; revoking the share closes the open connection at once.
    await api("/api/cloud/shares/save", { method: "POST", token: owner.token, body: { id: read.body.id, grantee_email: sharee.email, instance_id: agent.instanceId, permissions: ["read:cloud_instance", "proxy:cloud_instance"] } });
    const f = await startForward([agent.instanceId, "echo", "--url", base(), "--token", sharee.token]);
    forwards.push(f.child);
    const s = connect({ port: f.port, host: "127.0.0.1" });
    const echoed = new Promise<string>((r) => s.once("data", (d) => r(d.toString())));
    s.write("still here\n");
    expect(await echoed).toBe("still here\n");
    const closed = new Promise<void>((r) => s.once("close", () => r()));
    expect((await api("/api/cloud/shares/delete", { method: "POST", token: owner.token, body: { id: read.body.id } })).status).toBe(200);
    const t0 = Date.now();
    await closed;
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it.runIf(hasChromium() || process.env.CI)("lists the config's forwards on the instance's Proxy tab, each with its command", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await signInContext(page.context(), base(), owner.email, owner.password);
      await page.goto(`${base()}/instances/${agent.instanceId}/proxy`);
      await waitForPage(page, "forward-box");
      const section = page.getByRole("region", { name: "TCP forwards" });
      await section.getByText("echo", { exact: true }).waitFor();
      await expect(section.locator("code").first().textContent()).resolves.toBe(`anchorage forward ${agent.instanceId} echo --url ${base()} --port 0`);
    } finally {
      await browser.close();
    }
  });
});
