import { describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../../src/index.ts";
import { call, json, register, testEnv, type Session } from "../helpers.ts";
import { FakeAgent } from "../cloud/fake-agent.ts";

/** The file manager's MCP tools (issue #21): make_folder, move_path, delete_path, each a REST call held to the credential. */
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

describe("MCP file manager tools", () => {
  it("make a folder, move and delete through the REST routes, annotated, and refused to a read-only grant", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner, "mcp-fm");
    await agent.connect();
    const asked: [string, any][] = [];
    agent.calls["files.mkdir"] = (p) => (asked.push(["files.mkdir", p]), { result: { path: p.path } });
    agent.calls["files.rename"] = (p) => (asked.push(["files.rename", p]), { result: { from: p.from, to: p.to } });
    agent.calls["files.delete"] = (p) => (asked.push(["files.delete", p]), { result: { path: p.path, type: "file", backup: "/srv/app/.anchorage-backups/b.txt.2026-01-02T03-04-05.678Z" } });

    const client = await connect(owner.access);
    const byName = Object.fromEntries((await client.listTools()).tools.map((t) => [t.name, t]));
    expect(byName.make_folder!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false });
    expect(byName.move_path!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(byName.delete_path!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(byName.move_path!.inputSchema.required).toEqual(expect.arrayContaining(["instance_id", "from", "to"]));

    const made = await client.callTool({ name: "make_folder", arguments: { instance_id: agent.instanceId, path: "/srv/app/a/b", parents: true } });
    expect(made.structuredContent).toEqual({ path: "/srv/app/a/b" });
    const moved = await client.callTool({ name: "move_path", arguments: { instance_id: agent.instanceId, from: "/srv/app/a.txt", to: "/srv/app/b.txt" } });
    expect(moved.structuredContent).toEqual({ from: "/srv/app/a.txt", to: "/srv/app/b.txt" });
    const deleted = await client.callTool({ name: "delete_path", arguments: { instance_id: agent.instanceId, path: "/srv/app/b.txt" } });
    expect(deleted.structuredContent).toMatchObject({ type: "file", backup: expect.stringContaining(".anchorage-backups/") });
    expect(asked).toEqual([
      ["files.mkdir", { path: "/srv/app/a/b", parents: true }],
      ["files.rename", { from: "/srv/app/a.txt", to: "/srv/app/b.txt" }],
      ["files.delete", { path: "/srv/app/b.txt" }],
    ]);
    // The agent's refusal comes back as the tool's error, with the API's code.
    agent.calls["files.rename"] = () => {
      throw Object.assign(new Error("/srv/app/b.txt already exists"), { code: "E-CONFLICT" });
    };
    const taken = await client.callTool({ name: "move_path", arguments: { instance_id: agent.instanceId, from: "/srv/app/a.txt", to: "/srv/app/b.txt" } });
    expect(taken.isError).toBe(true);
    expect(text(taken)).toBe("E-CONFLICT: /srv/app/b.txt already exists");
    await client.close();

    const reader = await connect(await apiToken(owner, agent.instanceId, ["read"]));
    for (const [name, args] of [["make_folder", { path: "/srv/app/x" }], ["move_path", { from: "/srv/app/a", to: "/srv/app/c" }], ["delete_path", { path: "/srv/app/a" }]] as const) {
      const refused = await reader.callTool({ name, arguments: { instance_id: agent.instanceId, ...args } });
      expect(text(refused), name).toMatch(/^E-AUTH-FORBID: /);
    }
    const noCommand = await connect(await apiToken(owner, agent.instanceId, ["read", "sync"]));
    const git = await noCommand.callTool({ name: "delete_path", arguments: { instance_id: agent.instanceId, path: "/srv/app/repo/.git/hooks/pre-commit" } });
    expect(text(git)).toMatch(/^E-AUTH-FORBID: .*command:cloud_instance/);
    expect(asked).toHaveLength(3);
    await reader.close();
    await noCommand.close();
  });
});
