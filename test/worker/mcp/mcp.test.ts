import { describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../../src/index.ts";
import { UnauthorizedError, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import type { OAuthClientInformationFull, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import { call, cookieHeader, json, ORIGIN, PASSWORD, register, testEnv, type Session } from "../helpers.ts";
import { FakeAgent } from "../cloud/fake-agent.ts";

/** The official SDK client's HTTP, going straight into the Worker (real routing, bindings and DOs). */
async function fetchIntoWorker(input: string | URL | Request, init?: RequestInit) {
  const req = new Request(input, init);
  const ctx = createExecutionContext();
  const res = await worker.fetch(req as Request<unknown, IncomingRequestCfProperties>, testEnv, ctx);
  void waitOnExecutionContext(ctx);
  return res;
}

async function connect(bearer: string | null) {
  const transport = new StreamableHTTPClientTransport(new URL("http://localhost:8787/mcp"), {
    fetch: fetchIntoWorker,
    requestInit: bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {},
  });
  const client = new Client({ name: "anchorage-test", version: "1.0.0" }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
  await client.connect(transport);
  return client;
}

async function apiToken(s: Session, scopes: { scope: string; actions: string[] }[]) {
  const res = await call("/api/tokens", { token: s.access, body: { name: "mcp", scopes } });
  expect(res.status).toBe(201);
  return (await json(res)).token as string;
}

const text = (r: any) => r.content.map((c: any) => c.text).join("");

describe("MCP over Streamable HTTP", () => {
  it("initializes, lists tools with annotations, and lists the caller's instances", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner, "mcp-box");
    const client = await connect(owner.access);
    expect(client.getServerVersion()).toMatchObject({ name: "anchorage" });
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    for (const name of ["list_user_instances", "get_status", "get_logs", "run_command", "restart_instance", "git_status", "git_diff", "proxy_status", "toggle_proxy"]) {
      expect(byName[name], name).toBeDefined();
    }
    expect(byName.list_user_instances!.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.run_command!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(byName.run_command!.inputSchema.required).toEqual(expect.arrayContaining(["instance_id", "command"]));
    const listed = await client.callTool({ name: "list_user_instances", arguments: {} });
    expect(listed.isError).toBeFalsy();
    expect((listed.structuredContent as any).instances).toEqual([expect.objectContaining({ id: agent.instanceId, name: "mcp-box", relation: "owner" })]);
    await client.close();
  });

  it("runs a command with its output as progress notifications", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner);
    await agent.connect();
    agent.handlers["command.run"] = async (_p: unknown, id: string) => {
      await new Promise((r) => setTimeout(r, 50));
      agent.send({ type: "rpc-progress", id, stream: "stdout", data: "first line\n" });
      await new Promise((r) => setTimeout(r, 50));
      agent.send({ type: "rpc-progress", id, stream: "stdout", data: "second line\n" });
      await new Promise((r) => setTimeout(r, 50));
      return { exit_code: 0, signal: null, timed_out: false, duration_ms: 150, stdout_tail: "", stderr_tail: "" };
    };
    const client = await connect(owner.access);
    const progress: string[] = [];
    const r = await client.callTool({ name: "run_command", arguments: { instance_id: agent.instanceId, command: "disk" } }, undefined, {
      onprogress: (p) => progress.push(p.message ?? ""),
    });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ status: "success", exit_code: 0, requested_by: owner.userId });
    expect(progress.join("")).toBe("first line\nsecond line\n");
    await client.close();
  });

  it("answers 401 with the protected-resource challenge, and a token's scopes bound every tool", async () => {
    const res = await call("/mcp", { body: { jsonrpc: "2.0", id: 1, method: "initialize", params: {} } });
    expect(res.status).toBe(401);
    const challenge = res.headers.get("www-authenticate") ?? "";
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    expect(metadataUrl, challenge).toMatch(/^http:\/\/localhost:8787\/\.well-known\/oauth-protected-resource/);
    const metadata = await json(await call(new URL(metadataUrl!).pathname));
    expect(metadata.resource).toBe("http://localhost:8787/mcp");
    const server = await json(await call("/.well-known/oauth-authorization-server"));
    expect(server).toMatchObject({ authorization_endpoint: "http://localhost:8787/oauth/authorize", token_endpoint: "http://localhost:8787/oauth/token", registration_endpoint: "http://localhost:8787/oauth/register" });
    expect(server.code_challenge_methods_supported).toContain("S256");
    await expect(connect("anc_not_a_token")).rejects.toThrow();

    const owner = await register();
    const a = await FakeAgent.register(owner, "a");
    const b = await FakeAgent.register(owner, "b");
    await a.connect();
    const reader = await apiToken(owner, [{ scope: `cloud.${owner.userId}.instances.${a.instanceId}`, actions: ["read"] }]);
    const client = await connect(reader);
    const listed = await client.callTool({ name: "list_user_instances", arguments: {} });
    expect((listed.structuredContent as any).instances.map((i: any) => i.id)).toEqual([a.instanceId]);
    const refused = await client.callTool({ name: "run_command", arguments: { instance_id: a.instanceId, command: "disk" } });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/^E-AUTH-FORBID: /);
    const hidden = await client.callTool({ name: "get_logs", arguments: { instance_id: b.instanceId } });
    expect(hidden.isError).toBe(true);
    expect(text(hidden)).toMatch(/^E-NOT-FOUND: /);
    const bad = await client.callTool({ name: "get_logs", arguments: { instance_id: a.instanceId, limit: 0 } });
    expect(bad.isError).toBe(true);
    await client.close();
  });

  it("lets a sharee see and do only what is shared", async () => {
    const owner = await register();
    const sharee = await register();
    const shared = await FakeAgent.register(owner, "shared");
    await FakeAgent.register(owner, "private");
    await call("/api/cloud/shares/save", { token: owner.access, body: { grantee_email: sharee.email, instance_id: shared.instanceId, permissions: ["read:cloud_instance"] } });
    const client = await connect(sharee.access);
    const listed = await client.callTool({ name: "list_user_instances", arguments: {} });
    expect((listed.structuredContent as any).instances.map((i: any) => [i.id, i.relation])).toEqual([[shared.instanceId, "shared"]]);
    const refused = await client.callTool({ name: "toggle_proxy", arguments: { instance_id: shared.instanceId, inactive: true, reason: "x" } });
    expect(refused.isError).toBe(true);
    await client.close();
  });

  it("serves instance logs as resources", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner, "res");
    const client = await connect(owner.access);
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(expect.arrayContaining([`anchorage://instances/${agent.instanceId}/health`, `anchorage://instances/${agent.instanceId}/logs`]));
    const read = await client.readResource({ uri: `anchorage://instances/${agent.instanceId}/logs` });
    expect(JSON.parse((read.contents[0] as any).text)).toHaveProperty("lines");
    await client.close();
  });

  it("reads, writes and compares files through the REST routes, held to the credential's scopes", async () => {
    const owner = await register();
    const a = await FakeAgent.register(owner, "files-a");
    const b = await FakeAgent.register(owner, "files-b");
    await a.connect();
    await b.connect();
    const sha = "b".repeat(64);
    const written: { params: any; body: string }[] = [];
    a.calls["files.read"] = (p) => ({ result: { path: p.path, size: 9, mtime: "2024-01-01T00:00:00.000Z", mode: 0o644, sha256: sha }, body: p.path.endsWith(".bin") ? new Uint8Array([0xff, 0x00, 0xfe]) : "héllo\r\n" });
    a.calls["files.write"] = (p, body) => (written.push({ params: p, body: new TextDecoder().decode(body) }), { result: { path: p.path, size: body.length, mode: 0o644, sha256: sha, created: true, backup: null } });
    const scanOf = (md5: string) => () => ({ result: null, body: JSON.stringify({ root: "/srv", files: [{ path: "x.txt", size: 1, mtime_ms: 1, mode: 420, sha256: md5.padEnd(64, "0"), md5: md5.padEnd(32, "0"), text: true }], excluded: 0, skipped: [], hashed: 0 }) });
    a.calls["files.scan"] = scanOf("1");
    b.calls["files.scan"] = scanOf("1");

    const client = await connect(owner.access);
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName.read_file!.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.write_file!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(byName.compare_files_cross_instance!.annotations).toMatchObject({ readOnlyHint: true });

    const read = await client.callTool({ name: "read_file", arguments: { instance_id: a.instanceId, path: "/srv/app/a.txt" } });
    expect(read.isError).toBeFalsy();
    expect(text(read)).toBe("héllo\r\n");
    expect(read.structuredContent).toMatchObject({ sha256: sha, size: 8 });
    const binary = await client.callTool({ name: "read_file", arguments: { instance_id: a.instanceId, path: "/srv/app/a.bin" } });
    expect((binary.content as any)[0]).toMatchObject({ type: "resource", resource: { blob: "/wD+" } });

    const write = await client.callTool({ name: "write_file", arguments: { instance_id: a.instanceId, path: "/srv/app/n.txt", content: "new ✓\n", if_match: sha } });
    expect(write.isError).toBeFalsy();
    expect(write.structuredContent).toMatchObject({ created: true });
    expect(written).toEqual([{ params: { path: "/srv/app/n.txt", size: 8, if_match: sha, create_only: false }, body: "new ✓\n" }]);

    const compared = await client.callTool({ name: "compare_files_cross_instance", arguments: { source_instance_id: a.instanceId, destination_instance_id: b.instanceId, source_path: "/srv", target_path: "/srv", exclude: ["*.log"] } });
    expect(compared.isError).toBeFalsy();
    expect((compared.structuredContent as any).files).toEqual([expect.objectContaining({ path: "x.txt", status: "identical" })]);
    await client.close();

    // A token with only read on one instance reads there, and may neither write nor compare.
    const reader = await apiToken(owner, [{ scope: `cloud.${owner.userId}.instances.${a.instanceId}`, actions: ["read"] }]);
    const limited = await connect(reader);
    expect((await limited.callTool({ name: "read_file", arguments: { instance_id: a.instanceId, path: "/srv/app/a.txt" } })).isError).toBeFalsy();
    const refused = await limited.callTool({ name: "write_file", arguments: { instance_id: a.instanceId, path: "/srv/app/n.txt", content: "x" } });
    expect(text(refused)).toMatch(/^E-AUTH-FORBID: /);
    const hidden = await limited.callTool({ name: "compare_files_cross_instance", arguments: { source_instance_id: a.instanceId, destination_instance_id: b.instanceId, source_path: "/srv", target_path: "/srv" } });
    expect(hidden.isError).toBe(true);
    expect(written.length).toBe(1);
    await limited.close();
  });

  it("cross_instance_sync_folder starts a sync through REST with the caller's credential (destructive), and get_sync_operation follows it", async () => {
    const owner = await register();
    const a = await FakeAgent.register(owner, "sync-a");
    const b = await FakeAgent.register(owner, "sync-b");
    const client = await connect(owner.access);
    const byName = Object.fromEntries((await client.listTools()).tools.map((t) => [t.name, t]));
    expect(byName.cross_instance_sync_folder!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(byName.get_sync_operation!.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.execute_sync_from_comparison!.annotations).toMatchObject({ destructiveHint: true });
    const args = { source_instance_id: a.instanceId, destination_instance_id: b.instanceId, source_path: "/srv", target_path: "/srv" };
    // Neither agent is connected: the route itself answered, through the owner's credential.
    const offline = await client.callTool({ name: "cross_instance_sync_folder", arguments: args });
    expect(text(offline)).toMatch(/^E-INSTANCE-OFFLINE: /);
    expect(text(await client.callTool({ name: "execute_sync_from_comparison", arguments: { ...args, files: ["a.txt"] } }))).toMatch(/^E-INSTANCE-OFFLINE: /);
    const unknown = await client.callTool({ name: "get_sync_operation", arguments: { operation_id: `${a.instanceId}.abcdefghijkl` } });
    expect(text(unknown)).toMatch(/^E-NOT-FOUND: /);
    await client.close();

    const reader = await apiToken(owner, [{ scope: `cloud.${owner.userId}.instances`, actions: ["read"] }]);
    const limited = await connect(reader);
    expect(text(await limited.callTool({ name: "cross_instance_sync_folder", arguments: args }))).toMatch(/^E-AUTH-FORBID: /);
    await limited.close();
  });
});

/** An MCP client's OAuth state, in memory: what the SDK asks a real client to keep. */
class MemoryOAuthClient implements OAuthClientProvider {
  authorizationUrl: URL | undefined;
  private info: OAuthClientInformationFull | undefined;
  private saved: OAuthTokens | undefined;
  private verifier = "";
  readonly redirectUrl = "http://127.0.0.1:45123/callback";
  get clientMetadata() {
    return { client_name: "Test <b>MCP</b> client", redirect_uris: [this.redirectUrl], grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none" };
  }
  clientInformation() { return this.info; }
  saveClientInformation(i: OAuthClientInformationFull) { this.info = i; }
  tokens() { return this.saved; }
  saveTokens(t: OAuthTokens) { this.saved = t; }
  redirectToAuthorization(url: URL) { this.authorizationUrl = url; }
  saveCodeVerifier(v: string) { this.verifier = v; }
  codeVerifier() { return this.verifier; }
}

describe("MCP OAuth 2.1", () => {
  const transportWith = (authProvider: OAuthClientProvider) => new StreamableHTTPClientTransport(new URL("http://localhost:8787/mcp"), { fetch: fetchIntoWorker, authProvider });

  it("registers a client, shows consent to the signed-in user, and issues a token bound to what they allowed", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner, "oauth-box");
    const login = await call("/auth/login", { body: { email: owner.email, password: PASSWORD, transport: "cookie" }, origin: ORIGIN });
    const session = cookieHeader(login);

    const oauthClient = new MemoryOAuthClient();
    const first = transportWith(oauthClient);
    await expect(new Client({ name: "t", version: "1" }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() }).connect(first)).rejects.toThrow(UnauthorizedError);
    const authUrl = oauthClient.authorizationUrl!;
    expect(authUrl.pathname).toBe("/oauth/authorize");
    expect(authUrl.searchParams.get("code_challenge_method")).toBe("S256");

    // Not signed in: off to sign in, and back here after.
    const anonymous = await call(authUrl.pathname + authUrl.search);
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("location")).toBe(`/?next=${encodeURIComponent(authUrl.pathname + authUrl.search)}`);

    const page = await call(authUrl.pathname + authUrl.search, { cookie: session });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Test &#60;b&#62;MCP&#60;/b&#62; client"); // the client's name, escaped
    expect(html).toContain(owner.email);
    expect(html).toMatch(/app on this computer/); // a loopback redirect is called out
    const handle = /name="handle" value="([^"]+)"/.exec(html)![1]!;
    const consentCookie = cookieHeader(page);

    // A forged cross-site post is refused before anything is granted.
    const form = (decision: string) => new URLSearchParams([["handle", handle], ["decision", decision], ["scope", "cloud:read"]]).toString();
    const forged = await call("/oauth/authorize", { method: "POST", rawBody: form("approve"), headers: { "content-type": "application/x-www-form-urlencoded" }, cookie: `${session}; ${consentCookie}`, origin: "https://evil.example" });
    expect(forged.status).toBe(403);

    const approved = await call("/oauth/authorize", { method: "POST", rawBody: form("approve"), headers: { "content-type": "application/x-www-form-urlencoded" }, cookie: `${session}; ${consentCookie}`, origin: ORIGIN });
    expect(approved.status).toBe(302);
    const back = new URL(approved.headers.get("location")!);
    expect(back.origin + back.pathname).toBe(oauthClient.redirectUrl);
    await first.finishAuth(back.searchParams.get("code")!);
    expect(oauthClient.tokens()?.access_token).toBeTruthy();

    const client = new Client({ name: "t", version: "1" }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
    await client.connect(transportWith(oauthClient));
    const listed = await client.callTool({ name: "list_user_instances", arguments: {} });
    expect((listed.structuredContent as any).instances.map((i: any) => i.id)).toEqual([agent.instanceId]);
    // Only read was allowed.
    const refused = await client.callTool({ name: "run_command", arguments: { instance_id: agent.instanceId, command: "disk" } });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/^E-AUTH-FORBID/);

    // The grant is an API token the user can see and revoke; revoked, the client is cut off.
    const tokens = (await json(await call("/api/tokens", { token: owner.access }))).tokens;
    const minted = tokens.find((t: any) => t.name === "MCP: Test <b>MCP</b> client");
    expect(minted.scopes).toEqual([{ scope: `cloud.${owner.userId}.instances`, actions: ["read"] }]);
    await call(`/api/tokens/${minted.id}`, { method: "DELETE", token: owner.access });
    await expect(client.callTool({ name: "list_user_instances", arguments: {} })).rejects.toThrow();
  });

  it("sends the browser back with access_denied when the user declines", async () => {
    const owner = await register();
    const login = await call("/auth/login", { body: { email: owner.email, password: PASSWORD, transport: "cookie" }, origin: ORIGIN });
    const session = cookieHeader(login);
    const oauthClient = new MemoryOAuthClient();
    await expect(new Client({ name: "t", version: "1" }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() }).connect(transportWith(oauthClient))).rejects.toThrow(UnauthorizedError);
    const authUrl = oauthClient.authorizationUrl!;
    const page = await call(authUrl.pathname + authUrl.search, { cookie: session });
    const handle = /name="handle" value="([^"]+)"/.exec(await page.text())![1]!;
    const denied = await call("/oauth/authorize", { method: "POST", rawBody: new URLSearchParams({ handle, decision: "deny" }).toString(), headers: { "content-type": "application/x-www-form-urlencoded" }, cookie: `${session}; ${cookieHeader(page)}`, origin: ORIGIN });
    expect(denied.status).toBe(302);
    expect(new URL(denied.headers.get("location")!).searchParams.get("error")).toBe("access_denied");
    expect((await json(await call("/api/tokens", { token: owner.access }))).tokens).toEqual([]);
  });
});
