import { httpResponseHeadSchema, StreamFlag, streamOpenSchema, wsHeadSchema, type HeaderPairs, type StreamEndpoint, type StreamEvents, type StreamOpen } from "@anchorage/common";
import { isAgentGone, type AgentStreams } from "./agent-streams.ts";
import { proxiedSetCookie } from "./proxy-set-cookie.ts";
import { staleRoute, type HeldRoute } from "./proxy-route-check.ts";
import { proxyMetaOf, RELAY_HEADER, type ProxyOptions } from "../../core/rpc/proxy-exchange.ts";

/** Bytes of a response the DO holds ready for the visitor: pipelining without unbounded memory. */
const RESPONSE_BUFFER = 512 * 1024;

const errorResponse = (status: number, code: string, message: string, html: boolean) =>
  html
    ? new Response(`<!doctype html><meta charset="utf-8"><title>${status}</title><h1>${status}</h1><p>${message.replace(/[<&]/g, "")}</p>`, {
        status,
        headers: { "content-type": "text/html; charset=utf-8" },
      })
    : Response.json({ error: { code, message } }, { status });

/**
 * The DO's side of proxied exchanges: each visitor request or WebSocket becomes one
 * stream on the agent's socket. Bytes flow as they come, both ways, within per-stream
 * credit, so a slow visitor holds back only its own stream and nothing is buffered whole.
 */
export class ProxyRelay {
  private readonly streams: AgentStreams;
  /** Which stream serves which visitor exchange, so a cancel finds its stream. */
  private readonly exchanges = new Map<string, StreamEndpoint>();

  constructor(
    streams: AgentStreams,
    /** The route this object holds; a request the Worker decided on another is refused as stale. */
    private readonly route: HeldRoute,
  ) {
    this.streams = streams;
  }

  private openStream(events: StreamEvents, exchangeId?: string): StreamEndpoint | null {
    return this.streams.open(exchangeId === undefined ? events : { ...events, onClose: () => this.exchanges.delete(exchangeId) });
  }

  /** The visitor hung up: the exchange's stream is reset, so the agent cancels the local request. False: not served here. */
  cancel(exchangeId: string): boolean {
    const stream = this.exchanges.get(exchangeId);
    stream?.reset("visitor went away");
    return stream !== undefined;
  }

  /**
   * A visitor's request (or WebSocket) as the Worker forwards it, served on this object's agent
   * socket; `relay` is that socket's number, answered in X-Anchorage-Relay.
   */
  async serve(request: Request, online: boolean, relay: number): Promise<Response> {
    const meta = proxyMetaOf(request);
    if (!(await this.route.agrees(meta.instanceId, meta.route))) {
      void request.body?.cancel().catch(() => {});
      return staleRoute(meta.exchangeId);
    }
    const open = streamOpenSchema.safeParse(meta.open);
    if (!open.success || (open.data.kind !== "http" && open.data.kind !== "ws")) return Response.json({ error: { code: "E-VALIDATION", message: "bad proxy request" } }, { status: 400 });
    let res: Response;
    if (!online) {
      res = meta.html
        ? new Response("<!doctype html><title>Offline</title><h1>This app is offline</h1><p>Its machine is not connected right now.</p>", { status: 503, headers: { "content-type": "text/html; charset=utf-8" } })
        : Response.json({ error: { code: "E-INSTANCE-OFFLINE", message: "the instance is offline" } }, { status: 503 });
    } else if (open.data.kind === "ws") res = await this.websocket(open.data, meta.options, meta.html);
    else res = await this.http(request, open.data, meta.options, meta.html, meta.exchangeId);
    if (res.status !== 101) res.headers.set(RELAY_HEADER, String(relay));
    return res;
  }

  /** Relays one HTTP exchange; resolves when the response head arrives (its body keeps streaming). */
  async http(request: Request, open: Extract<StreamOpen, { kind: "http" }>, opts: ProxyOptions, wantsHtml: boolean, exchangeId: string): Promise<Response> {
    let headResolve!: (r: Response) => void;
    const head = new Promise<Response>((r) => (headResolve = r));
    let gotHead = false;
    const chunks: Uint8Array[] = [];
    let ended = false;
    let failed: string | null = null;
    let wake: (() => void) | null = null;
    const nudge = () => {
      const w = wake;
      wake = null;
      w?.();
    };

    const stream = this.openStream({
      onData: (payload, flags) => {
        if (!gotHead && flags & StreamFlag.HEAD) {
          gotHead = true;
          stream?.consumed(payload.length); // every byte is credited back, heads too: none may shrink the window for good
          const parsed = httpResponseHeadSchema.safeParse(JSON.parse(new TextDecoder().decode(payload)));
          if (!parsed.success) {
            stream?.reset("malformed response head");
            return headResolve(errorResponse(502, "E-PROXY-UPSTREAM", "the agent sent a malformed response", wantsHtml));
          }
          headResolve(this.buildResponse(parsed.data.status, parsed.data.headers, body, opts, parsed.data.keptPrefix === true));
          return;
        }
        // Handed on at once while the response's own buffer has room (that buffer is bounded);
        // otherwise held until the visitor reads. Credit goes back only for what was handed on.
        if (ctrl && (ctrl.desiredSize ?? 0) > 0 && chunks.length === 0) {
          ctrl.enqueue(payload);
          stream?.consumed(payload.length);
        } else chunks.push(payload);
        nudge();
      },
      onEnd: () => {
        ended = true;
        nudge();
      },
      onReset: (reason) => {
        failed = reason;
        if (!gotHead) {
          gotHead = true;
          const offline = isAgentGone(reason);
          headResolve(
            offline
              ? errorResponse(503, "E-INSTANCE-OFFLINE", "the instance went offline", wantsHtml)
              : errorResponse(502, "E-PROXY-UPSTREAM", `the local app could not be reached: ${reason}`, wantsHtml),
          );
        }
        nudge();
      },
    }, exchangeId);
    if (!stream) return errorResponse(503, "E-INSTANCE-OFFLINE", "the instance is offline", wantsHtml);

    let ctrl: ReadableStreamDefaultController<Uint8Array> | null = null;
    const body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          ctrl = controller;
        },
        pull: async (controller) => {
          for (;;) {
            const next = chunks.shift();
            if (next) {
              controller.enqueue(next);
              // Credit goes back only as the visitor actually reads: a slow visitor slows its own stream.
              stream.consumed(next.length);
              return;
            }
            if (failed) return controller.error(new Error(failed));
            if (ended) return controller.close();
            await new Promise<void>((r) => (wake = r));
          }
        },
        cancel: () => stream.reset("visitor went away"),
      },
      { highWaterMark: RESPONSE_BUFFER, size: (chunk) => chunk.byteLength },
    );

    stream.open(open);
    this.exchanges.set(exchangeId, stream);
    // The app has until the timeout to answer once it has the whole request (an upload's own
    // duration does not count: that is the visitor's pace, not the app's).
    let timer: ReturnType<typeof setTimeout> | undefined;
    void this.pumpRequestBody(request, stream).then(() => {
      if (gotHead) return;
      timer = setTimeout(() => {
        if (gotHead) return;
        gotHead = true;
        stream.reset("no response in time");
        headResolve(errorResponse(504, "E-PROXY-TIMEOUT", `the local app did not answer within ${Math.round(opts.firstByteTimeoutMs / 1000)} s`, wantsHtml));
      }, opts.firstByteTimeoutMs);
    });
    const response = await head;
    if (timer !== undefined) clearTimeout(timer);
    return response;
  }

  private async pumpRequestBody(request: Request, stream: StreamEndpoint): Promise<void> {
    if (!request.body) return stream.end();
    const reader = request.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (stream.closed) return void reader.cancel();
        await stream.write(value);
      }
      stream.end();
    } catch {
      stream.reset("visitor went away");
    }
  }

  private buildResponse(status: number, pairs: HeaderPairs, body: ReadableStream<Uint8Array>, opts: ProxyOptions, keptPrefix: boolean): Response {
    const headers = new Headers();
    for (const [name, value] of pairs) {
      const v = rewriteHeader(name, value, opts.rewrite?.prefix ?? null, keptPrefix);
      if (v !== null) headers.append(name, v);
    }
    const noBody = status === 204 || status === 304 || status < 200;
    if (noBody) void body.cancel().catch(() => {});
    // The body is the app's bytes as it sent them: a Content-Encoding it set already describes them,
    // so the runtime must not compress them again (`encodeBody: "manual"`,
    // developers.cloudflare.com/workers/runtime-apis/response/).
    return new Response(noBody ? null : body, { status, headers, encodeBody: "manual" });
  }

  /** Relays a visitor's WebSocket to a WebSocket the agent opens to the local app. */
  async websocket(open: Extract<StreamOpen, { kind: "ws" }>, opts: ProxyOptions, wantsHtml: boolean): Promise<Response> {
    const pair = new WebSocketPair();
    const [client, visitor] = [pair[0], pair[1]];
    let accepted!: (protocol: string | null) => void;
    const head = new Promise<string | null>((r) => (accepted = r));
    let isAccepted = false;
    const stream = this.openStream({
      onData: (payload, flags) => {
        if (flags & StreamFlag.HEAD) {
          stream?.consumed(payload.length);
          const h = wsHeadSchema.safeParse(JSON.parse(new TextDecoder().decode(payload)));
          if (!h.success) return stream?.reset("malformed head");
          if ("accepted" in h.data) {
            isAccepted = true;
            accepted(h.data.protocol);
          } else safeClose(visitor, h.data.close.code, h.data.close.reason);
          return;
        }
        try {
          visitor.send(flags & StreamFlag.TEXT ? new TextDecoder().decode(payload) : payload);
        } catch {
          /* visitor gone */
        }
        stream?.consumed(payload.length);
      },
      onEnd: () => safeClose(visitor, 1000, ""),
      onReset: (reason) => {
        if (!isAccepted) accepted(null);
        safeClose(visitor, 1011, reason.slice(0, 100));
      },
    });
    if (!stream) return errorResponse(503, "E-INSTANCE-OFFLINE", "the instance is offline", wantsHtml);
    stream.open(open);
    const timer = setTimeout(() => !isAccepted && stream.reset("no answer in time"), opts.firstByteTimeoutMs);
    const protocol = await head;
    clearTimeout(timer);
    if (!isAccepted) return errorResponse(502, "E-PROXY-UPSTREAM", "the local app refused the WebSocket", wantsHtml);

    visitor.accept();
    visitor.binaryType = "arraybuffer";
    visitor.addEventListener("message", (e) => {
      const data = e.data;
      if (typeof data === "string") void stream.message(new TextEncoder().encode(data), true);
      else void stream.message(new Uint8Array(data as ArrayBuffer), false);
    });
    visitor.addEventListener("close", (e) => {
      void stream.head({ close: { code: e.code === 1005 ? 1000 : e.code, reason: e.reason } }).then(() => stream.end());
    });
    visitor.addEventListener("error", () => stream.reset("visitor error"));
    return new Response(null, { status: 101, webSocket: client, headers: protocol ? { "sec-websocket-protocol": protocol } : {} });
  }
}

function safeClose(ws: WebSocket, code: number, reason: string) {
  try {
    // 1005/1006/1015 are reserved: they may be observed, never sent.
    ws.close([1005, 1006, 1015].includes(code) ? 1000 : code, reason);
  } catch {
    /* already closed */
  }
}

/**
 * A response header of the app's as the visitor gets it, or null when it is dropped. Cookies go
 * through proxiedSetCookie on both forms (none of ours, none with a Domain). On the path form
 * (/p/<slug>/…) an app that redirects to `/login` or sets a cookie for `/` must also stay under
 * its prefix: Location and cookie paths are rewritten. An app that was given the prefix
 * (`keptPrefix`, config `proxy.keep_prefix`) already writes its paths with it: its Location is
 * left alone, and so is a cookie path under the prefix (one outside still goes under it).
 */
export function rewriteHeader(name: string, value: string, prefix: string | null, keptPrefix = false): string | null {
  const n = name.toLowerCase();
  if (n === "set-cookie") return proxiedSetCookie(value, prefix, keptPrefix);
  if (prefix !== null && !keptPrefix && n === "location" && value.startsWith("/") && !value.startsWith("//")) return prefix + value;
  return value;
}
