import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, base } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { anchorage, until } from "./agent-process.ts";
import { openTerminal } from "./terminal-client.ts";

const line = (text: string) => new RegExp(`(?:^|[\r\n])${text}\r\n`);

/**
 * A script with an API token against the real stack (`npm start`) and a real agent: it
 * anchors a machine, runs a command and opens a shell, each only with the verb its scope
 * names, and loses everything the moment the token is revoked.
 */
describe("API tokens end to end", () => {
  let owner: TestUser;
  let home = "";
  let run: ReturnType<typeof anchorage> | undefined;
  let id = "";
  const token = async (scopes: { scope: string; actions: string[] }[]) => {
    const r = await api("/api/tokens", { token: owner.token, body: { name: "script", scopes } });
    expect(r.status).toBe(201);
    return r.body as { id: string; token: string };
  };

  beforeAll(async () => {
    owner = await freshUser("tokens");
  });
  afterAll(() => {
    run?.child.kill("SIGKILL");
    // The killed agent may still be writing its home for a moment: retried, as for ENOTEMPTY.
    if (home) rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  });

  it("anchors a machine with `anchorage anchor --token anc_…` when the token holds `anchor`", async () => {
    const reader = await token([{ scope: `cloud.${owner.id}.instances`, actions: ["read"] }]);
    home = mkdtempSync(join(tmpdir(), "anchorage-token-agent-"));
    const refused = anchorage(["anchor", base(), "--home", home, "--token", reader.token, "--name", "token-box"]);
    expect(await refused.done).not.toBe(0);
    expect(refused.output()).toMatch(/anchor:cloud_instance/);

    const anchorer = await token([{ scope: `cloud.${owner.id}.instances`, actions: ["anchor"] }]);
    const a = anchorage(["anchor", base(), "--home", home, "--token", anchorer.token, "--name", "token-box"]);
    expect(await a.done, a.output()).toBe(0);
    id = /as (ins_\S+)/.exec(a.output())![1]!;
    writeFileSync(join(home, "config.yaml"), `name: token-box\ncommands:\n  - { name: hello, argv: [echo, "hello from the box"] }\nroots: [${JSON.stringify(home)}]\nterminal: { shell: /bin/bash }\n`);
    run = anchorage(["run", "--home", home]);
    await until(async () => (await api(`/api/cloud/instance/${id}`, { token: owner.token })).body.status === "online", 20_000);
  });

  it("runs a command and opens a shell with exactly the verbs its scope names", async () => {
    const operator = await token([{ scope: `cloud.${owner.id}.instances.${id}`, actions: ["read", "command", "terminal"] }]);
    const reader = await token([{ scope: `cloud.${owner.id}.instances.${id}`, actions: ["read"] }]);

    expect((await api("/api/cloud/instances", { token: reader.token })).body.instances.map((i: { id: string }) => i.id)).toEqual([id]);
    const refused = await api(`/api/cloud/instance/${id}/command`, { token: reader.token, body: { command: "hello" } });
    expect(refused.status).toBe(403);
    const ran = await api(`/api/cloud/instance/${id}/command`, { token: operator.token, body: { command: "hello" } });
    expect(ran.status).toBe(200);
    expect(ran.body).toMatchObject({ status: "success", exit_code: 0, requested_by: owner.id });
    expect(ran.body.output_tail).toContain("hello from the box");

    const noShell = await openTerminal(id, reader.token);
    expect(noShell.opened).toMatchObject({ ok: false, status: 403 });
    const shell = await openTerminal(id, operator.token);
    expect(shell.opened).toEqual({ ok: true });
    await shell.session();
    shell.type("echo $((20+22))\r");
    await shell.waitFor(line("42"));

    // Revoked: the next request fails, whatever was allowed a moment ago.
    expect((await api(`/api/tokens/${operator.id}`, { method: "DELETE", token: owner.token })).status).toBe(200);
    expect((await api(`/api/cloud/instance/${id}/command`, { token: operator.token, body: { command: "hello" } })).status).toBe(401);
    const after = await openTerminal(id, operator.token);
    expect(after.opened).toMatchObject({ ok: false, status: 401 });
    shell.ws.close();
  });
});
