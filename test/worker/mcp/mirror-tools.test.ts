import { describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../../src/index.ts";
import { call, json, register, testEnv, type Session } from "../helpers.ts";
import { FakeAgent, until } from "../cloud/fake-agent.ts";

/** The mirror tools with the official SDK client going into the Worker: each one a call to the mirror routes with the caller's credential. */
async function connect(bearer: string) {
  const transport = new StreamableHTTPClientTransport(new URL("http://localhost:8787/mcp"), {
    fetch: async (input: string | URL | Request, init?: RequestInit) => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(new Request(input, init) as Request<unknown, IncomingRequestCfProperties>, testEnv, ctx);
      void waitOnExecutionContext(ctx);
      return res;
    },
    requestInit: { headers: { authorization: `Bearer ${bearer}` } },
  });
  const client = new Client({ name: "anchorage-test", version: "1.0.0" }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
  await client.connect(transport);
  return client;
}

/** An agent whose one root is `root`, holding `files` (name → content) there. */
async function agentWith(owner: Session, root: string, files: Record<string, string>) {
  const agent = await FakeAgent.register(owner, root);
  agent.calls["files.scan"] = (p) => {
    if (p.path !== root) throw Object.assign(new Error(`${p.path} is outside the project roots`), { code: "E-AUTH-FORBID" });
    const list = Object.entries(files).map(([path, c]) => ({ path, size: c.length, mtime_ms: 1000, mode: 0o644, sha256: c.padEnd(64, "0"), md5: "0".repeat(32), text: false }));
    return { result: null, body: JSON.stringify({ root: p.path, files: list, excluded: 0, skipped: [], hashed: 0 }) };
  };
  expect((await agent.connect()).status).toBe(101);
  await until(async () => (await json(await call(`/api/cloud/instance/${agent.instanceId}`, { token: owner.access }))).status === "online");
  return agent;
}

describe("MCP mirror tools", () => {
  it("save, list, check and delete a mirror; a refusal comes back as the tool's error", async () => {
    const owner = await register();
    const source = await agentWith(owner, "/srv/a", { "a.txt": "aa" });
    const destination = await agentWith(owner, "/srv/b", {});
    const client = await connect(owner.access);
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName.list_mirrors!.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.sync_mirror!.annotations).toMatchObject({ destructiveHint: true });

    const args = { source_instance_id: source.instanceId, destination_instance_id: destination.instanceId, source_path: "/srv/a", target_path: "/srv/b" };
    const saved = await client.callTool({ name: "save_mirror", arguments: { ...args, direction: "pull", interval_seconds: 600 } });
    expect(saved.isError).toBeFalsy();
    const mirror = (saved.structuredContent as any).mirror;
    expect(mirror).toMatchObject({ direction: "pull", state: "needs_sync", intervalSeconds: 600, last_summary: { new: 1 } });

    const listed = await client.callTool({ name: "list_mirrors", arguments: { direction: "pull", instance_id: destination.instanceId } });
    expect((listed.structuredContent as any).mirrors.map((m: any) => m.id)).toEqual([mirror.id]);
    expect((await client.callTool({ name: "list_mirrors", arguments: {} })).structuredContent).toEqual({ mirrors: [] }); // push by default

    const checked = await client.callTool({ name: "check_mirror", arguments: { direction: "pull", id: mirror.id } });
    expect(checked.structuredContent).toMatchObject({ success: true, pending: 1, mirror: { state: "needs_sync" } });

    const outside = await client.callTool({ name: "save_mirror", arguments: { ...args, target_path: "/etc" } });
    expect(outside.isError).toBe(true);
    expect((outside.content as any[])[0].text).toMatch(/E-AUTH-FORBID/);

    const stranger = await connect((await register()).access);
    const refused = await stranger.callTool({ name: "check_mirror", arguments: { direction: "pull", id: mirror.id } });
    expect(refused.isError).toBe(true);
    expect((refused.content as any[])[0].text).toMatch(/E-NOT-FOUND/);

    expect((await client.callTool({ name: "delete_mirror", arguments: { direction: "pull", id: mirror.id } })).isError).toBeFalsy();
    expect((await json(await call("/api/cloud/pulls/list", { token: owner.access }))).mirrors).toEqual([]);
    await client.close();
    await stranger.close();
  });
});
