import { setTimeout as sleep } from "node:timers/promises";
import { CLOSE, HEARTBEAT_INTERVAL_MS, serverMessageSchema } from "@anchorage/common/protocol/messages";
import type { AgentConfig } from "@anchorage/common/agent-config";
import type { Credential } from "../home.ts";
import type { Logger } from "../agent-log.ts";
import { Backoff } from "../backoff.ts";
import { DEAD_PEER_MS, openAgentSocket } from "../agent-socket.ts";
import { StreamHost } from "./stream-host.ts";
import { streamServers } from "./stream-servers.ts";

type RelayOptions = { credential: Credential; config: AgentConfig; log: Logger; signal: AbortSignal };

/** Close codes after which a relay socket stays closed: the agent's own socket goes the same way. */
const FINAL: ReadonlySet<number> = new Set([CLOSE.deleted, CLOSE.disconnected, CLOSE.replaced]);

/**
 * The proxy's extra relay sockets (config `proxy.relays`; docs/features.md, `proxy.relays`): while
 * the agent's own socket is up, one more socket to each of the instance's relay objects,
 * authenticated the same way (a fresh signed challenge each), serving proxied requests only, against
 * the local app in this machine's config. Each reconnects on its own with backoff; all close when
 * `signal` aborts (the agent's own socket went).
 */
export function runProxyRelays(opts: RelayOptions): void {
  for (let k = 1; k < (opts.config.proxy?.relays ?? 1); k++) void keepRelay(k, opts);
}

async function keepRelay(relay: number, opts: RelayOptions) {
  const backoff = new Backoff({ baseMs: 500, maxMs: 30_000 });
  while (!opts.signal.aborted) {
    const why = await relayOnce(relay, opts, () => backoff.reset());
    if (why === null || opts.signal.aborted) return;
    const delay = backoff.next();
    opts.log.warn(`proxy relay ${relay} lost (${why}); reconnecting in ${(delay / 1000).toFixed(1)} s`);
    await sleep(delay, undefined, { signal: opts.signal }).catch(() => {});
  }
}

/** One relay connection, until it closes: why (to reconnect), or null (stay closed). */
async function relayOnce(relay: number, opts: RelayOptions, onWelcome: () => void): Promise<string | null> {
  let ws: WebSocket;
  try {
    ws = await openAgentSocket(opts.credential, relay);
  } catch (e) {
    return (e as Error).message;
  }
  return new Promise((resolve) => {
    // No terminals and no file calls: a relay socket serves the proxy only.
    const streams = new StreamHost((bytes) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(bytes);
    }, streamServers(opts.config, opts.log, null, null));
    let lastHeard = Date.now();
    const ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send('{"type":"ping"}'), HEARTBEAT_INTERVAL_MS);
    const watchdog = setInterval(() => {
      if (Date.now() - lastHeard <= DEAD_PEER_MS) return;
      ws.close(4000, "dead peer");
      finish("server stopped answering");
    }, 1000);
    const finish = (why: string | null) => {
      clearInterval(ping);
      clearInterval(watchdog);
      opts.signal.removeEventListener("abort", onAbort);
      streams.failAll("connection lost");
      resolve(why);
    };
    const onAbort = () => {
      ws.close(1000, "the agent's socket closed");
      finish(null);
    };
    opts.signal.addEventListener("abort", onAbort);
    ws.addEventListener("message", (event) => {
      lastHeard = Date.now();
      if (typeof event.data !== "string") {
        const r = streams.receive(event.data as ArrayBuffer);
        if (!r.ok) ws.close(CLOSE.invalidMessage, `invalid frame: ${r.error}`.slice(0, 120));
      } else if (serverMessageSchema.safeParse(safeJson(event.data)).data?.type === "welcome") {
        opts.log.info(`proxy relay ${relay} connected`);
        onWelcome();
      } // pongs: hearing them is enough
    });
    ws.addEventListener("close", (event) => finish(FINAL.has(event.code) ? null : `closed ${event.code}${event.reason ? `: ${event.reason}` : ""}`));
    ws.addEventListener("error", () => {
      /* a close event follows */
    });
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
