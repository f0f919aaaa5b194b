import { base64url } from "jose";
import { describe, expect, it } from "vitest";
import { call, cookieHeader, json, ORIGIN, PASSWORD, register, type Session } from "../helpers.ts";

const REDIRECT = "http://127.0.0.1:45125/callback";
const VERIFIER = "verifier-" + "x".repeat(48);
const challenge = async () => base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(VERIFIER))));

/** An MCP client through the whole OAuth flow (register, consent, code for token): its access token. */
async function mcpClientToken(s: Session): Promise<string> {
  const login = await call("/auth/login", { body: { email: s.email, password: PASSWORD, transport: "cookie" }, origin: ORIGIN });
  const session = cookieHeader(login);
  const client = await json(await call("/oauth/register", { body: { client_name: "Signout MCP", redirect_uris: [REDIRECT], grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none" } }));
  const q = new URLSearchParams({ response_type: "code", client_id: client.client_id, redirect_uri: REDIRECT, state: "s", scope: "cloud:read", code_challenge: await challenge(), code_challenge_method: "S256" });
  const page = await call(`/oauth/authorize?${q}`, { cookie: session });
  if (page.status !== 200) throw new Error(`page ${page.status} ${await page.text()}`);
  const handle = /name="handle" value="([^"]+)"/.exec(await page.text())![1]!;
  const form = new URLSearchParams([["handle", handle], ["decision", "approve"], ["scope", "cloud:read"]]).toString();
  const approved = await call("/oauth/authorize", { method: "POST", rawBody: form, headers: { "content-type": "application/x-www-form-urlencoded" }, cookie: `${session}; ${cookieHeader(page)}`, origin: ORIGIN });
  expect(approved.status).toBe(302);
  const code = new URL(approved.headers.get("location")!).searchParams.get("code")!;
  const token = await call("/oauth/token", { rawBody: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: REDIRECT, client_id: client.client_id, code_verifier: VERIFIER }).toString(), headers: { "content-type": "application/x-www-form-urlencoded" } });
  if (token.status !== 200) throw new Error(`token ${token.status} ${await token.text()}`);
  return (await json(token)).access_token;
}

/** One MCP request with the token: 200 while the grant lives, 401 once it is gone. */
const mcpStatus = async (token: string) =>
  (await call("/mcp", { token, body: { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } }, headers: { accept: "application/json, text/event-stream" } })).status;

async function apiToken(s: Session) {
  const res = await call("/api/tokens", { token: s.access, body: { name: "script", scopes: [{ scope: `cloud.${s.userId}`, actions: ["read"] }] } });
  return (await json(res)).token as string;
}

describe("sign out of all sessions", () => {
  it("lists sessions, MCP clients (by name) and API tokens together", async () => {
    const s = await register();
    await mcpClientToken(s);
    const script = await apiToken(s);
    expect(script).toMatch(/^anc_/);
    const res = await call("/auth/sessions", { token: s.access });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.sessions.length).toBeGreaterThanOrEqual(2);
    expect(body.mcp_grants).toEqual([expect.objectContaining({ client_name: "Signout MCP", created_at: expect.any(String), token_id: expect.stringMatching(/^tok_/) })]);
    expect(body.api_tokens.map((t: { name: string }) => t.name).sort()).toEqual(["MCP: Signout MCP", "script"]);
    // Another user sees none of it, and cannot revoke the grant.
    const other = await register();
    expect((await json(await call("/auth/sessions", { token: other.access }))).mcp_grants).toEqual([]);
    expect((await call(`/auth/mcp-grants/${encodeURIComponent(body.mcp_grants[0].id)}`, { method: "DELETE", token: other.access })).status).toBe(404);
  });

  it("without include, every session ends but MCP clients and API tokens keep working", async () => {
    const s = await register();
    const mcp = await mcpClientToken(s);
    const script = await apiToken(s);
    expect(await mcpStatus(mcp)).toBe(200);
    const res = await call("/auth/logout-all", { token: s.access, body: {} });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ success: true, mcp_grants_revoked: 0, api_tokens_revoked: 0 });
    expect((await call("/auth/user", { token: s.access })).status).toBe(401);
    expect((await call("/auth/refresh", { body: { refresh_token: s.refresh } })).status).toBe(401);
    expect(await mcpStatus(mcp)).toBe(200);
    expect((await call("/api/cloud/instances", { token: script })).status).toBe(200);
  });

  it('with include ["mcp"], the MCP client is refused at /mcp at once; API tokens of its own still work', async () => {
    const s = await register();
    const mcp = await mcpClientToken(s);
    const script = await apiToken(s);
    const res = await call("/auth/logout-all", { token: s.access, body: { include: ["mcp"] } });
    expect(await json(res)).toMatchObject({ success: true, mcp_grants_revoked: 1, api_tokens_revoked: 0 });
    expect(await mcpStatus(mcp)).toBe(401);
    expect((await call("/api/cloud/instances", { token: script })).status).toBe(200);
  });

  it('with include ["tokens"], every API token of the user stops', async () => {
    const s = await register();
    const script = await apiToken(s);
    const res = await call("/auth/logout-all", { token: s.access, body: { include: ["tokens"] } });
    expect((await json(res)).api_tokens_revoked).toBe(1);
    expect((await call("/api/cloud/instances", { token: script })).status).toBe(401);
  });

  it("revokes one MCP client from the list; refuses an API token as the credential (403) and unknown extras", async () => {
    const s = await register();
    const mcp = await mcpClientToken(s);
    const [grant] = (await json(await call("/auth/sessions", { token: s.access }))).mcp_grants;
    expect((await call(`/auth/mcp-grants/${encodeURIComponent(grant.id)}`, { method: "DELETE", token: s.access })).status).toBe(200);
    expect(await mcpStatus(mcp)).toBe(401);
    expect((await json(await call("/auth/sessions", { token: s.access }))).mcp_grants).toEqual([]);
    expect((await call("/auth/logout-all", { token: await apiToken(s), body: {} })).status).toBe(403);
    expect((await call("/auth/logout-all", { token: s.access, body: { include: ["everything"] } })).status).toBe(400);
  });
});
