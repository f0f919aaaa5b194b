import { describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../../src/index.ts";
import { call, json, register, testEnv, type Session } from "../helpers.ts";
import { FakeAgent } from "../cloud/fake-agent.ts";

/** Security issue 19 through MCP: write_file under .git needs a grant that includes command. */
async function fetchIntoWorker(input: string | URL | Request, init?: RequestInit) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(input, init) as Request<unknown, IncomingRequestCfProperties>, testEnv, ctx);
  void waitOnExecutionContext(ctx);
  return res;
}

async function connect(bearer: string) {
  const transport = new StreamableHTTPClientTransport(new URL("http://localhost:8787/mcp"), { fetch: fetchIntoWorker, requestInit: { headers: { authorization: `Bearer ${bearer}` } } });
  const client = new Client({ name: "anchorage-test", version: "1.0.0" }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
  await client.connect(transport);
  return client;
}

async function apiToken(s: Session, instanceId: string, actions: string[]) {
  const res = await call("/api/tokens", { token: s.access, body: { name: "mcp", scopes: [{ scope: `cloud.${s.userId}.instances.${instanceId}`, actions }] } });
  expect(res.status).toBe(201);
  return (await json(res)).token as string;
}

const text = (r: any) => r.content.map((c: any) => c.text).join("");

describe("MCP write_file under .git", () => {
  it("is refused for a grant without command (nothing written), allowed with it", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner, "mcp-git");
    await agent.connect();
    const written: string[] = [];
    agent.calls["files.write"] = (p, b) => (written.push(p.path), { result: { path: p.path, size: b.length, mode: 0o644, sha256: "c".repeat(64), created: true, backup: null } });
    const write = (client: Client, path: string) => client.callTool({ name: "write_file", arguments: { instance_id: agent.instanceId, path, content: "[core]\n\tfsmonitor = touch /tmp/pwned\n" } });

    const noCommand = await connect(await apiToken(owner, agent.instanceId, ["read", "sync", "git"]));
    const refused = await write(noCommand, "/srv/app/repo/.git/config");
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/^E-AUTH-FORBID: .*command:cloud_instance/);
    expect(written).toEqual([]);
    expect((await write(noCommand, "/srv/app/repo/notes.txt")).isError).toBeFalsy();
    await noCommand.close();

    const withCommand = await connect(await apiToken(owner, agent.instanceId, ["read", "sync", "git", "command"]));
    expect((await write(withCommand, "/srv/app/repo/.git/config")).isError).toBeFalsy();
    expect(written).toEqual(["/srv/app/repo/notes.txt", "/srv/app/repo/.git/config"]);
    await withCommand.close();
  });
});
