import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import type { OAuthClientInformationMixed, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import { api } from "./http-client.ts";
import { freshUser, type TestUser } from "./users.ts";
import { NODE, startAgent, until } from "./agent-process.ts";
import { hasChromium, launchChromium } from "./browser.ts";

/** The MCP endpoint as a client configures it: the dashboard's origin (the resource OAuth names). */
const mcpUrl = () => new URL(`http://localhost:${inject("port")}/mcp`);

async function connectWithToken(token: string) {
  const client = new Client({ name: "e2e", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(mcpUrl(), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

/**
 * MCP end to end: the official SDK client over Streamable HTTP against `npm start`, a real agent,
 * and (for OAuth) a real browser on the consent page.
 */
describe("MCP", () => {
  let owner: TestUser;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  const logDir = mkdtempSync(join(tmpdir(), "anchorage-mcp-logs-"));
  const appLog = join(logDir, "app.log");

  beforeAll(async () => {
    owner = await freshUser("mcp");
    writeFileSync(appLog, "");
    agent = await startAgent(owner.token, [
      "name: mcp-box",
      "commands:",
      `  - { name: count, argv: [${JSON.stringify(NODE)}, -e, "console.log('one'); setTimeout(() => console.log('two'), 400); setTimeout(() => console.log('three'), 800)"] }`,
      `logs: [${JSON.stringify(appLog)}]`,
    ].join("\n") + "\n");
    await until(async () => (await api(`/api/cloud/instance/${agent.instanceId}`, { token: owner.token })).body.status === "online", 20_000);
  });
  afterAll(() => {
    agent?.run.child.kill("SIGKILL");
    rmSync(logDir, { recursive: true, force: true });
  });

  it("lists tools and instances, runs a command with streamed progress, and reads logs, with a scoped API token", async () => {
    const t = await api("/api/tokens", { token: owner.token, body: { name: "mcp script", scopes: [{ scope: `cloud.${owner.id}.instances`, actions: ["read", "command"] }] } });
    const client = await connectWithToken(t.body.token);
    expect((await client.listTools()).tools.map((x) => x.name)).toEqual(expect.arrayContaining(["list_user_instances", "run_command", "get_logs"]));
    const listed = await client.callTool({ name: "list_user_instances", arguments: {} });
    expect((listed.structuredContent as any).instances).toEqual([expect.objectContaining({ id: agent.instanceId, name: "mcp-box", status: "online" })]);

    const progress: { at: number; message: string }[] = [];
    const result = await client.callTool({ name: "run_command", arguments: { instance_id: agent.instanceId, command: "count" } }, undefined, {
      onprogress: (p) => progress.push({ at: Date.now(), message: p.message ?? "" }),
    });
    expect(result.structuredContent).toMatchObject({ status: "success", exit_code: 0 });
    expect(progress.map((p) => p.message).join("")).toBe("one\ntwo\nthree\n");
    // Streamed as it came, not all at the end.
    expect(progress.at(-1)!.at - progress[0]!.at).toBeGreaterThan(400);

    appendFileSync(appLog, "hello from the app log\n");
    await until(async () => {
      const logs = await client.callTool({ name: "get_logs", arguments: { instance_id: agent.instanceId, limit: 10 } });
      return (logs.structuredContent as any).lines.some((l: any) => l.line === "hello from the app log");
    });
    await client.close();
  });

  it("refuses a tool the token's scopes do not cover", async () => {
    const t = await api("/api/tokens", { token: owner.token, body: { name: "reader", scopes: [{ scope: `cloud.${owner.id}.instances`, actions: ["read"] }] } });
    const client = await connectWithToken(t.body.token);
    const refused = await client.callTool({ name: "run_command", arguments: { instance_id: agent.instanceId, command: "count" } });
    expect(refused.isError).toBe(true);
    expect((refused.content as any)[0].text).toMatch(/^E-AUTH-FORBID/);
    await client.close();
  });

  describe.runIf(hasChromium() || process.env.CI)("OAuth in a browser", () => {
    let browser: Browser;
    let callback: Server;
    let codes: string[] = [];
    beforeAll(async () => {
      browser = await launchChromium();
      callback = createServer((req, res) => {
        const code = new URL(req.url ?? "/", "http://127.0.0.1").searchParams.get("code");
        if (code) codes.push(code);
        res.end("You can close this window.");
      });
      await new Promise<void>((r) => callback.listen(0, "127.0.0.1", r));
    });
    afterAll(async () => {
      await browser?.close();
      callback?.close();
    });

    it("registers, signs the person in, asks consent, and calls tools with the token it got", async () => {
      const port = (callback.address() as { port: number }).port;
      const redirectUrl = `http://127.0.0.1:${port}/callback`;
      let info: OAuthClientInformationMixed | undefined;
      let tokens: OAuthTokens | undefined;
      let verifier = "";
      let authorizationUrl: URL | undefined;
      const provider: OAuthClientProvider = {
        redirectUrl,
        clientMetadata: { client_name: "E2E assistant", redirect_uris: [redirectUrl], grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none" },
        clientInformation: () => info,
        saveClientInformation: (i) => void (info = i),
        tokens: () => tokens,
        saveTokens: (t) => void (tokens = t),
        redirectToAuthorization: (url) => void (authorizationUrl = url),
        saveCodeVerifier: (v) => void (verifier = v),
        codeVerifier: () => verifier,
      };
      const first = new StreamableHTTPClientTransport(mcpUrl(), { authProvider: provider });
      await expect(new Client({ name: "e2e", version: "1" }).connect(first)).rejects.toThrow(UnauthorizedError);
      expect(info?.client_id).toBeTruthy(); // dynamically registered

      const page = await browser.newPage();
      await page.goto(authorizationUrl!.href);
      // Not signed in yet: the dashboard's sign-in, then back to the consent page.
      await page.getByLabel("Email").fill(owner.email);
      await page.getByLabel("Password").fill(owner.password);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await page.getByRole("heading", { name: /Allow E2E assistant/ }).waitFor();
      await page.getByRole("checkbox", { name: /Run their allowed commands/ }).uncheck();
      await page.getByRole("button", { name: "Allow" }).click();
      await until(() => codes[0]).catch(async (e) => {
        throw new Error(`no code came back; the page is at ${page.url()}: ${(await page.content()).slice(0, 600)}`, { cause: e });
      });
      await page.close();

      await first.finishAuth(codes[0]!);
      const client = new Client({ name: "e2e", version: "1" });
      await client.connect(new StreamableHTTPClientTransport(mcpUrl(), { authProvider: provider }));
      const listed = await client.callTool({ name: "list_user_instances", arguments: {} });
      expect((listed.structuredContent as any).instances.map((i: any) => i.id)).toEqual([agent.instanceId]);
      const refused = await client.callTool({ name: "run_command", arguments: { instance_id: agent.instanceId, command: "count" } });
      expect(refused.isError).toBe(true); // unticked on the consent page
      await client.close();
    });
  });
});
