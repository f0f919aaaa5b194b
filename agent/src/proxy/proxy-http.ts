import http from "node:http";
import https from "node:https";
import type { AgentConfig } from "@anchorage/common/agent-config";
import type { StreamEndpoint } from "@anchorage/common/protocol/stream-endpoint";
import type { StreamOpen } from "@anchorage/common/protocol/stream-open";
import type { Logger } from "../agent-log.ts";
import type { StreamHandlers } from "./stream-types.ts";
import { appHostAndOrigin, appPath } from "./app-host-origin.ts";

/** Connections to the local app are kept alive and reused, as any reverse proxy does. */
const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 128 });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 128 });
/** Read at most this much ahead of the stream before pausing the app's response. */
const BATCH_BYTES = 512 * 1024;

/**
 * One proxied HTTP exchange against the local app: the request body is written as its
 * frames arrive (credit goes back only once the app has taken the bytes), and the response
 * is sent as it comes, paused whenever the stream has no credit, so memory stays flat.
 */
export function proxyHttp(
  stream: StreamEndpoint,
  handlers: StreamHandlers,
  proxy: NonNullable<AgentConfig["proxy"]>,
  open: Extract<StreamOpen, { kind: "http" }>,
  done: () => void,
  log: Logger,
) {
  const base = new URL(proxy.target);
  const url = new URL(appPath(proxy, open), base);
  const lib = url.protocol === "https:" ? https : http;
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of open.headers) {
    const n = name.toLowerCase();
    if (n === "host" || n === "origin") continue; // set below, consistently
    const prev = headers[n];
    headers[n] = prev === undefined ? value : ([] as string[]).concat(prev, value);
  }
  const { host, origin } = appHostAndOrigin(proxy, open.headers);
  headers.host = host;
  if (origin !== undefined) headers.origin = origin;
  const req = lib.request(url, { method: open.method, headers, agent: url.protocol === "https:" ? httpsAgent : httpAgent });
  let responded = false;

  req.on("response", (res) => {
    responded = true;
    const pairs: [string, string][] = [];
    for (let i = 0; i < res.rawHeaders.length; i += 2) {
      const name = res.rawHeaders[i]!;
      if (!/^(connection|keep-alive|transfer-encoding|upgrade|te|trailer|proxy-.*)$/i.test(name)) pairs.push([name, res.rawHeaders[i + 1]!]);
    }
    void stream.head({ status: res.statusCode ?? 502, headers: pairs, ...(proxy.keep_prefix && open.prefix ? { keptPrefix: true } : {}) });
    // Chunks that are already here go out together (fewer, larger frames: each frame costs a
    // message on the socket and an event in the DO); a batch leaves on the next turn, so a
    // server-sent event is not held back. At most about two batches wait here: then the app is paused.
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let scheduled = false;
    let inFlight: Promise<void> = Promise.resolve();
    const flushSoon = () => {
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        if (!pendingBytes) return;
        const bytes = Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        inFlight = inFlight
          .then(() => stream.write(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)))
          .then(() => {
            if (res.isPaused() && !res.readableEnded) res.resume();
          });
      });
    };
    res.on("data", (chunk: Buffer) => {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= BATCH_BYTES) res.pause();
      flushSoon();
    });
    res.on("end", () => {
      // After the last batch has gone (its setImmediate was queued before this one).
      setImmediate(() => {
        void inFlight.then(() => {
          stream.end();
          done();
        });
      });
    });
    res.on("error", () => stream.reset("local app response failed"));
  });
  req.on("error", (e: NodeJS.ErrnoException) => {
    if (!responded) log.warn(`proxy: ${open.method} ${url.pathname} → ${e.code ?? e.message}`);
    stream.reset(`${e.code ?? "error"}: ${e.message}`.slice(0, 150));
    done();
  });

  handlers.onData = (payload) => {
    const ok = req.write(payload);
    // Credit returns once the app has taken the bytes: a slow app slows the uploader, not our memory.
    if (ok) stream.consumed(payload.length);
    else req.once("drain", () => stream.consumed(payload.length));
  };
  handlers.onEnd = () => req.end();
  handlers.onReset = () => {
    req.destroy();
    done();
  };
}
