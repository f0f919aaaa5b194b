import { createServer, type Socket } from "node:net";
import { decodeFrame, FrameType } from "@anchorage/common/protocol/frames";
import { FORWARD_STREAM_ID } from "@anchorage/common/protocol/forward";
import { STREAM_WINDOW, StreamEndpoint } from "@anchorage/common/protocol/stream-endpoint";
import { deviceLogin } from "../device-login.ts";
import { homePaths, readCredential } from "../home.ts";
import { getJson, postJson, ServerError, socketUrl } from "../server-api.ts";
import { bridgeSocket } from "../forward/socket-bridge.ts";
import type { StreamHandlers } from "../proxy/stream-types.ts";
import { resolveInstances } from "./instance-ref.ts";

export type ForwardOptions = {
  instance: string;
  name: string;
  /** Local port; 0 or absent: any free one (printed). */
  port?: number;
  bind: string;
  token?: string;
  url?: string;
  home?: string;
};

type Out = { write(s: string): unknown };

/** Refresh an access token this long before it expires. */
const REFRESH_MARGIN_S = 60;

/**
 * `anchorage forward <instance> <name> [--port LOCAL]`: listens on a local port and carries each
 * TCP connection to it over its own WebSocket (GET /api/cloud/instance/:id/forward/:name) to the
 * forward `name` of the instance's agent config, in the agent protocol's frames with their credit
 * (socket-bridge.ts). Signed in with --token (or ANCHORAGE_TOKEN), else through the browser (a URL
 * and a code, as `anchor` does), the session's access token refreshed as it nears its end.
 * Runs until interrupted; each connection's failure is said on stderr and ends that connection only.
 */
export async function forward(opts: ForwardOptions, io: { stdout: Out; stderr: Out } = process, signal?: AbortSignal): Promise<number> {
  const base = opts.url ?? (await readCredential(homePaths(opts.home).credential))?.url;
  if (!base) throw new Error("forward needs the server: --url URL, or an anchored --home");
  const bearer = opts.token ? async () => opts.token! : await signedIn(base, io.stderr);
  const auth = async () => ({ authorization: `Bearer ${await bearer()}` });
  const [instanceId] = await resolveInstances([opts.instance], base, await auth());
  await checkForwardListed(base, instanceId!, opts.name, await auth(), io.stderr);
  const path = `/api/cloud/instance/${encodeURIComponent(instanceId!)}/forward/${encodeURIComponent(opts.name)}`;

  const server = createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: true }, (socket) => {
    void carry(socket, base, path, auth, io.stderr);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.bind, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  io.stdout.write(`forwarding ${opts.bind}:${port} to ${opts.name} on ${opts.instance} (${instanceId}); Ctrl-C stops\n`);
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    signal?.addEventListener("abort", stop, { once: true });
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  return 0;
}

/** One local connection: its WebSocket, then the bytes both ways until either side ends. */
async function carry(socket: Socket, base: string, path: string, auth: () => Promise<Record<string, string>>, stderr: Out) {
  let headers: Record<string, string>;
  try {
    headers = await auth();
  } catch (e) {
    stderr.write(`anchorage forward: ${(e as Error).message}\n`);
    return socket.destroy();
  }
  const ws = new WebSocket(socketUrl(base, path), { headers } as unknown as string[]);
  ws.binaryType = "arraybuffer";
  const handlers: StreamHandlers = { onData: () => {}, onEnd: () => {}, onReset: () => {} };
  const stream = new StreamEndpoint(FORWARD_STREAM_ID, (bytes) => ws.readyState === WebSocket.OPEN && ws.send(bytes), {
    onData: (p, f) => handlers.onData(p, f),
    onEnd: () => handlers.onEnd(),
    onReset: (r) => handlers.onReset(r),
    // Both ways finished (what waited for credit included): the socket to the server closes.
    onClose: () => ws.readyState === WebSocket.OPEN && ws.close(1000),
  }, STREAM_WINDOW);
  let opened = false;
  ws.addEventListener("open", () => {
    opened = true;
    bridgeSocket(socket, stream, handlers, () => stream.closed && ws.readyState === WebSocket.OPEN && ws.close(1000));
    socket.resume();
  });
  ws.addEventListener("message", (e) => {
    const d = decodeFrame(e.data as ArrayBuffer);
    if (d.ok) stream.receive(d.frame);
  });
  ws.addEventListener("close", (e) => {
    if (!opened) return;
    if (!stream.closed) {
      if (e.code !== 1000) stderr.write(`anchorage forward: the connection ended: ${e.reason || `closed ${e.code}`}\n`);
      stream.receive({ type: FrameType.RESET, streamId: FORWARD_STREAM_ID, flags: 0, payload: new TextEncoder().encode(e.reason || "closed") });
    }
  });
  ws.addEventListener("error", () => {
    if (opened) return;
    socket.destroy();
    // A refused upgrade says nothing through the WebSocket API: the same path without one says why.
    void getJson(base, path, headers).then(
      () => stderr.write("anchorage forward: the server refused the connection\n"),
      (err: Error) => stderr.write(`anchorage forward: ${err.message}\n`),
    );
  });
}

/** A forward the agent's config does not list is refused before listening (when the config is known: the agent has connected). */
async function checkForwardListed(base: string, instanceId: string, name: string, headers: Record<string, string>, stderr: Out) {
  const { config } = await getJson<{ config: { forward?: { name: string }[] } | null }>(base, `/api/cloud/instance/${encodeURIComponent(instanceId)}/config`, headers);
  if (!config) return void stderr.write("anchorage forward: the instance is offline now; connections wait for nothing and fail until it is back\n");
  const names = (config.forward ?? []).map((f) => f.name);
  if (!names.includes(name)) throw new ServerError(404, "E-NOT-FOUND", `forward "${name}" not found: the instance's config lists ${names.join(", ") || "none"}`);
}

/** Signs in through the browser; the returned function gives a live access token, refreshing it as it nears its end. */
async function signedIn(base: string, stderr: Out): Promise<() => Promise<string>> {
  let tokens = await deviceLogin(base, (line) => stderr.write(`${line}\n`), undefined, { scope: "session", purpose: "sign in for this forward" });
  let refreshing: Promise<void> | null = null;
  return async () => {
    if (expiresIn(tokens.access_token) > REFRESH_MARGIN_S) return tokens.access_token;
    refreshing ??= postJson<{ access_token: string; refresh_token: string }>(base, "/auth/refresh", { refresh_token: tokens.refresh_token, transport: "bearer" })
      .then((t) => void (tokens = t))
      .finally(() => (refreshing = null));
    await refreshing;
    return tokens.access_token;
  };
}

/** Seconds until a JWT's `exp` (0 when it cannot be read). */
function expiresIn(jwt: string): number {
  try {
    const exp = JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()).exp as number;
    return exp - Date.now() / 1000;
  } catch {
    return 0;
  }
}
