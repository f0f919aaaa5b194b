import { describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { UnauthorizedError, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import type { OAuthClientInformationFull, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../../src/index.ts";
import { cookieHeader, PASSWORD, register, testEnv } from "../helpers.ts";
import { FakeAgent } from "../cloud/fake-agent.ts";

/** Both origins of the local APP_ORIGIN (src/config.ts defaults): localhost first, then 127.0.0.1. */
const ORIGINS = ["http://localhost:8787", "http://127.0.0.1:8787"] as const;

let ip = 0;
async function fetchIntoWorker(input: string | URL | Request, init?: RequestInit) {
  const req = new Request(input, init);
  req.headers.set("cf-connecting-ip", `198.18.7.${(ip++ % 250) + 1}`);
  const ctx = createExecutionContext();
  const res = await worker.fetch(req as Request<unknown, IncomingRequestCfProperties>, testEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

class MemoryOAuthClient implements OAuthClientProvider {
  authorizationUrl: URL | undefined;
  private info: OAuthClientInformationFull | undefined;
  private saved: OAuthTokens | undefined;
  private verifier = "";
  readonly redirectUrl = "http://127.0.0.1:45125/callback";
  get clientMetadata() {
    return { client_name: "Origin test client", redirect_uris: [this.redirectUrl], grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none" };
  }
  clientInformation() { return this.info; }
  saveClientInformation(i: OAuthClientInformationFull) { this.info = i; }
  tokens() { return this.saved; }
  saveTokens(t: OAuthTokens) { this.saved = t; }
  redirectToAuthorization(url: URL) { this.authorizationUrl = url; }
  saveCodeVerifier(v: string) { this.verifier = v; }
  codeVerifier() { return this.verifier; }
}

/**
 * Every origin of APP_ORIGIN is its own MCP protected resource and authorization server, with
 * metadata that names itself (RFC 9728, RFC 8414), so a client configured with either address
 * discovers and completes OAuth.
 */
describe.each(ORIGINS)("MCP discovery and OAuth at %s", (origin) => {
  it("names itself in the 401, the protected-resource metadata and the server metadata", async () => {
    const res = await fetchIntoWorker(`${origin}/mcp`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} }) });
    expect(res.status).toBe(401);
    const challenge = res.headers.get("www-authenticate") ?? "";
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    expect(metadataUrl, challenge).toBe(`${origin}/.well-known/oauth-protected-resource/mcp`);

    const prm = await fetchIntoWorker(metadataUrl!);
    expect(prm.status).toBe(200);
    const resource = (await prm.json()) as { resource: string; authorization_servers: string[] };
    expect(resource.resource).toBe(`${origin}/mcp`);
    expect(resource.authorization_servers).toEqual([origin]);

    const asm = await fetchIntoWorker(`${resource.authorization_servers[0]}/.well-known/oauth-authorization-server`);
    expect(asm.status).toBe(200);
    const server = (await asm.json()) as Record<string, unknown>;
    expect(server).toMatchObject({
      issuer: origin,
      authorization_endpoint: `${origin}/oauth/authorize`,
      token_endpoint: `${origin}/oauth/token`,
      registration_endpoint: `${origin}/oauth/register`,
      protected_resources: [`${origin}/mcp`],
    });
  });

  it("lets the official SDK client configured with this address register, get consent and call tools", async () => {
    const owner = await register();
    const agent = await FakeAgent.register(owner, "origin-box");
    const login = await fetchIntoWorker(`${origin}/auth/login`, { method: "POST", headers: { "content-type": "application/json", origin }, body: JSON.stringify({ email: owner.email, password: PASSWORD, transport: "cookie" }) });
    expect(login.status).toBe(200);
    const session = cookieHeader(login);

    const oauthClient = new MemoryOAuthClient();
    const transportWith = () => new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), { fetch: fetchIntoWorker, authProvider: oauthClient });
    const first = transportWith();
    await expect(new Client({ name: "t", version: "1" }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() }).connect(first)).rejects.toThrow(UnauthorizedError);
    const authUrl = oauthClient.authorizationUrl!;
    expect(authUrl.origin + authUrl.pathname).toBe(`${origin}/oauth/authorize`);
    expect(authUrl.searchParams.get("resource")).toBe(`${origin}/mcp`);

    const page = await fetchIntoWorker(authUrl.href, { headers: { cookie: session } });
    expect(page.status).toBe(200);
    const handle = /name="handle" value="([^"]+)"/.exec(await page.text())![1]!;
    const form = new URLSearchParams([["handle", handle], ["decision", "approve"], ["scope", "cloud:read"]]).toString();
    const approved = await fetchIntoWorker(`${origin}/oauth/authorize`, { method: "POST", body: form, headers: { "content-type": "application/x-www-form-urlencoded", cookie: `${session}; ${cookieHeader(page)}`, origin } });
    expect(approved.status).toBe(302);
    const back = new URL(approved.headers.get("location")!);
    expect(back.origin + back.pathname).toBe(oauthClient.redirectUrl);
    await first.finishAuth(back.searchParams.get("code")!);
    expect(oauthClient.tokens()?.access_token).toBeTruthy();

    const client = new Client({ name: "t", version: "1" }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
    await client.connect(transportWith());
    const listed = await client.callTool({ name: "list_user_instances", arguments: {} });
    expect((listed.structuredContent as any).instances.map((i: any) => i.id)).toEqual([agent.instanceId]);
    await client.close();
  });
});
