import type { AgentConfig } from "@anchorage/common/agent-config";
import type { StreamEndpoint } from "@anchorage/common/protocol/stream-endpoint";
import type { StreamOpen } from "@anchorage/common/protocol/stream-open";
import { StreamFlag } from "@anchorage/common/protocol/stream-endpoint";
import type { Logger } from "../agent-log.ts";
import type { StreamHandlers } from "./stream-types.ts";
import { appHostAndOrigin, appPath } from "./app-host-origin.ts";

const PASS_HEADERS = /^(cookie|authorization|user-agent|x-forwarded-.*)$/i;

/** Relays one visitor WebSocket to a WebSocket this agent opens to the local app, message by message. */
export function proxyWebSocket(
  stream: StreamEndpoint,
  handlers: StreamHandlers,
  proxy: NonNullable<AgentConfig["proxy"]>,
  open: Extract<StreamOpen, { kind: "ws" }>,
  done: () => void,
  log: Logger,
) {
  const url = new URL(appPath(proxy, open), proxy.target);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const headers: Record<string, string> = Object.fromEntries(open.headers.filter(([n]) => PASS_HEADERS.test(n)));
  // Host and Origin agree, as for HTTP: Jupyter's kernel socket checks one against the other.
  // Node's WebSocket always sends the target's Host (it is a forbidden header there), so the
  // Origin follows the `target` rule whatever `host_header` says.
  const { origin } = appHostAndOrigin({ ...proxy, host_header: "target" }, open.headers);
  if (origin !== undefined) headers.origin = origin;
  const ws = new WebSocket(url.toString(), { protocols: open.protocols, headers } as unknown as string[]);
  ws.binaryType = "arraybuffer";
  let opened = false;

  ws.addEventListener("open", () => {
    opened = true;
    void stream.head({ accepted: true, protocol: ws.protocol ?? "" });
  });
  ws.addEventListener("message", (e) => {
    const data = e.data;
    if (typeof data === "string") void stream.message(new TextEncoder().encode(data), true);
    else void stream.message(new Uint8Array(data as ArrayBuffer), false);
  });
  ws.addEventListener("close", (e) => {
    if (!opened) {
      log.warn(`proxy: WebSocket ${url.pathname} refused by the local app (${e.code})`);
      stream.reset("the local app refused the WebSocket");
    } else void stream.head({ close: { code: e.code, reason: e.reason.slice(0, 123) } }).then(() => stream.end());
    done();
  });
  ws.addEventListener("error", () => {
    /* a close event follows */
  });

  handlers.onData = (payload, flags) => {
    stream.consumed(payload.length);
    if (flags & StreamFlag.HEAD) {
      // The visitor closed: pass its code and reason on.
      try {
        const h = JSON.parse(new TextDecoder().decode(payload)) as { close?: { code: number; reason: string } };
        if (h.close) ws.close(h.close.code >= 3000 || h.close.code === 1000 ? h.close.code : 1000, h.close.reason);
      } catch {
        ws.close();
      }
      return;
    }
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(flags & StreamFlag.TEXT ? new TextDecoder().decode(payload) : payload);
  };
  handlers.onEnd = () => {
    if (ws.readyState === WebSocket.OPEN) ws.close(1000);
  };
  handlers.onReset = () => {
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1001);
    done();
  };
}
