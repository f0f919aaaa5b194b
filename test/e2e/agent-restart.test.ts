import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { api, base } from "./http-client.ts";
import { anchorage, NODE, until } from "./agent-process.ts";
import { freshUser, type TestUser } from "./users.ts";

const CLI = new URL("../../agent/bin/anchorage.mjs", import.meta.url).pathname;

const parentOf = (pid: number): number => Number(readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "").split(" ")[1]);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function anchoredHome(owner: TestUser) {
  const home = mkdtempSync(join(tmpdir(), "anchorage-restart-"));
  const a = anchorage(["anchor", base(), "--home", home, "--token", owner.token, "--name", "restart-box"]);
  if ((await a.done) !== 0) throw new Error(a.output());
  return { home, instanceId: /as (ins_\S+)/.exec(a.output())![1]! };
}

/** The agent process serving this instance now (its PID, from system.info) and when it connected. */
async function agentNow(token: string, id: string) {
  const status = (await api(`/api/cloud/instance/${id}/status`, { token })).body as { online: boolean; connected_at: string | null };
  if (!status.online) return null;
  const info = await api(`/api/cloud/instance/${id}/info`, { token });
  return info.status === 200 ? { pid: info.body.pid as number, connectedAt: status.connected_at } : null;
}

/** The dashboard's Restart button: the `restart` builtin through the command API. */
async function restartFromApi(token: string, id: string, before: { pid: number; connectedAt: string | null }) {
  const res = await api(`/api/cloud/instance/${id}/command`, { token, body: { command: "restart" } });
  expect(res.body).toMatchObject({ status: "success", output_tail: "restarting the agent\n" });
  // A new process on a new connection.
  return until(async () => {
    const now = await agentNow(token, id);
    return now && now.pid !== before.pid && now.connectedAt !== before.connectedAt ? now : null;
  }, 30_000);
}

/**
 * The restart builtin does not leave whatever watches the agent: under a supervisor it exits 75
 * (documented in `anchorage --help` and the README) and the supervisor starts it again; without
 * one, the PID that was started stays and runs the agent again as its child.
 */
describe("agent restart", () => {
  let owner: TestUser;
  let procs: ChildProcess[] = [];
  let homes: string[] = [];
  afterEach(async () => {
    for (const p of procs) if (p.pid && alive(p.pid)) process.kill(p.pid, "SIGTERM");
    // The agents write into their homes until they are gone: wait for that before removing them.
    const deadline = Date.now() + 10_000;
    while (procs.some((p) => p.pid && alive(p.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const h of homes) rmSync(h, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    procs = [];
    homes = [];
  });

  it("under a supervisor script that restarts on exit 75, comes back as a child of the same supervisor", { timeout: 90_000 }, async () => {
    owner ??= await freshUser("restart");
    const { home, instanceId } = await anchoredHome(owner);
    homes.push(home);
    const exits = join(home, "exits");
    const script = join(home, "supervise.sh");
    writeFileSync(script, `#!/bin/sh
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 143' TERM INT
while :; do
  ${JSON.stringify(NODE)} ${JSON.stringify(CLI)} run --home ${JSON.stringify(home)} --supervised &
  child=$!
  wait "$child"; code=$?
  echo "$code" >> ${JSON.stringify(exits)}
  [ "$code" -eq 75 ] || exit "$code"
done
`);
    const supervisor = spawn("sh", [script], { stdio: "ignore" });
    procs.push(supervisor);
    const first = await until(() => agentNow(owner.token, instanceId), 30_000);
    expect(parentOf(first.pid)).toBe(supervisor.pid);

    const second = await restartFromApi(owner.token, instanceId, first);
    expect(alive(first.pid)).toBe(false);
    expect(readFileSync(exits, "utf8")).toBe("75\n"); // the documented code, the one the script restarts on
    expect(supervisor.exitCode).toBeNull();
    expect(parentOf(second.pid)).toBe(supervisor.pid);
  });

  it("without a supervisor keeps the PID that was started, and runs the agent again as its child", { timeout: 90_000 }, async () => {
    owner ??= await freshUser("restart");
    const { home, instanceId } = await anchoredHome(owner);
    homes.push(home);
    const top = anchorage(["run", "--home", home]);
    procs.push(top.child);
    const first = await until(() => agentNow(owner.token, instanceId), 30_000);
    expect(parentOf(first.pid)).toBe(top.child.pid);

    const second = await restartFromApi(owner.token, instanceId, first);
    expect(top.child.exitCode, top.output()).toBeNull();
    expect(alive(top.child.pid!)).toBe(true);
    expect(parentOf(second.pid)).toBe(top.child.pid);

    // Stopping the top PID stops the agent too.
    top.child.kill("SIGTERM");
    expect(await top.done).toBe(0);
    await until(() => !alive(second.pid), 10_000);
  });
});
