import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import type { Env } from "../../core/env.ts";
import type { Principal } from "../../core/auth/principal.ts";
import { VERSION } from "../version.ts";
import { restCaller } from "./rest-call.ts";
import { registerTools } from "./mcp-tools.ts";
import { registerMirrorTools } from "./mirror-tools.ts";
import { registerFileManagerTools } from "./file-manager-tools.ts";
import { watchCommandProgress } from "./command-progress.ts";

export type McpCall = {
  request: Request;
  env: Env;
  principal: Principal;
  /** The Bearer credential the tools present to the REST API on the caller's behalf. */
  authorization: string;
  clientIp: string | null;
  /** How the tools reach the REST API: the Worker's own router, in process. */
  dispatch: (req: Request) => Promise<Response>;
};

/**
 * One MCP exchange over Streamable HTTP, statelessly: a server and a transport per request, bound
 * to the caller. Nothing lives between requests, so any isolate can answer any request and
 * there is no session to lose; long operations stream their progress on the request's own
 * response (SSE) while they run.
 */
export async function handleMcp(call: McpCall): Promise<Response> {
  const server = new McpServer(
    { name: "anchorage", title: "Anchorage", version: VERSION },
    {
      capabilities: { tools: {}, resources: {}, logging: {} },
      jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
      instructions: "Operate the user's anchored machines: list them, read status and logs, run their allowed commands, read git state, pause or resume their published apps. Destructive tools are annotated; ask the user before calling them.",
    },
  );
  const origin = new URL(call.request.url).origin;
  const rest = restCaller(call.dispatch, origin, call.authorization, call.clientIp);
  registerTools(server, {
    rest,
    watchCommand: (instanceId, command, onOutput) => watchCommandProgress(call.env, call.principal, instanceId, command, onOutput),
  });
  registerMirrorTools(server, { rest });
  registerFileManagerTools(server, { rest });
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  await server.connect(transport);
  return transport.handleRequest(call.request);
}
