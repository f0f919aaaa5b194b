import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { startAgent, until, untilOnline } from "./agent-process.ts";

/** MCP's sync tools end to end: the SDK client, `npm start`, two real agents and real folders. */
describe("MCP sync tools", () => {
  const tmp = realpathSync(mkdtempSync(join(tmpdir(), "anchorage-mcp-sync-")));
  const rootA = join(tmp, "a");
  const rootB = join(tmp, "b");
  let owner: TestUser;
  let a: Awaited<ReturnType<typeof startAgent>>;
  let b: Awaited<ReturnType<typeof startAgent>>;
  let client: Client;

  const finished = async (operationId: string) =>
    until(async () => {
      const r = await client.callTool({ name: "get_sync_operation", arguments: { operation_id: operationId } });
      const op = r.structuredContent as { state: string; error?: string };
      return op.state === "running" ? null : op;
    }, 30_000);

  beforeAll(async () => {
    owner = await freshUser("mcp-sync");
    mkdirSync(join(rootA, "src"), { recursive: true });
    mkdirSync(rootB, { recursive: true });
    writeFileSync(join(rootA, "src", "one.txt"), "one\n");
    writeFileSync(join(rootA, "src", "two.txt"), "two\n");
    a = await startAgent(owner.token, `name: mcp-sync-a\nroots: [${JSON.stringify(rootA)}]\n`);
    b = await startAgent(owner.token, `name: mcp-sync-b\nroots: [${JSON.stringify(rootB)}]\n`);
    await untilOnline(owner.token, [a.instanceId, b.instanceId]);
    const t = await api("/api/tokens", { token: owner.token, body: { name: "mcp sync", scopes: [{ scope: `cloud.${owner.id}.instances`, actions: ["read", "sync"] }] } });
    client = new Client({ name: "e2e", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://localhost:${inject("port")}/mcp`), { requestInit: { headers: { authorization: `Bearer ${t.body.token}` } } }));
  });
  afterAll(async () => {
    await client?.close();
    a?.run.child.kill("SIGKILL");
    b?.run.child.kill("SIGKILL");
    rmSync(tmp, { recursive: true, force: true });
  });

  it("cross_instance_sync_files sends only the named files", async () => {
    const r = await client.callTool({ name: "cross_instance_sync_files", arguments: { source_instance_id: a.instanceId, destination_instance_id: b.instanceId, source_path: rootA, target_path: rootB, files: ["src/one.txt"] } });
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    expect(await finished((r.structuredContent as { operationId: string }).operationId)).toMatchObject({ state: "done" });
    expect(readFileSync(join(rootB, "src", "one.txt"), "utf8")).toBe("one\n");
    expect(existsSync(join(rootB, "src", "two.txt"))).toBe(false);
  });

  it("sync_files copies a folder into another on the same instance", async () => {
    const r = await client.callTool({ name: "sync_files", arguments: { instance_id: a.instanceId, source_path: join(rootA, "src"), target_path: join(rootA, "copy") } });
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    expect(await finished((r.structuredContent as { operationId: string }).operationId)).toMatchObject({ state: "done" });
    expect(readFileSync(join(rootA, "copy", "two.txt"), "utf8")).toBe("two\n");
  });

  it("refuses to sync into a folder outside the destination's roots", async () => {
    const r = await client.callTool({ name: "sync_files", arguments: { instance_id: a.instanceId, source_path: join(rootA, "src"), target_path: join(tmp, "elsewhere") } });
    const refused = r.isError || (await finished((r.structuredContent as { operationId: string }).operationId)).state === "failed";
    expect(refused).toBe(true);
    expect(existsSync(join(tmp, "elsewhere", "one.txt"))).toBe(false);
  });
});
