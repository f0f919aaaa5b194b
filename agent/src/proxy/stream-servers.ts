import type { AgentConfig } from "@anchorage/common/agent-config";
import type { Logger } from "../agent-log.ts";
import type { FileContext } from "../files/file-context.ts";
import type { TerminalSessions } from "../terminal/terminal-sessions.ts";
import type { StreamHandlers, StreamKind, StreamServer, StreamServers } from "./stream-types.ts";

/**
 * The servers of one socket's streams, for its StreamHost. Without terminals and files (a proxy
 * relay socket) only proxied requests are served. The proxy and the file calls are loaded on
 * their first stream (issue 22: an idle agent holds no code it has not used).
 */
export function streamServers(config: AgentConfig, log: Logger, terminals: TerminalSessions | null, files: FileContext | null): StreamServers {
  const proxy = config.proxy;
  const noApp = { refuse: "this instance publishes no local app (no proxy in config.yaml)" };
  const relayOnly = { refuse: "a proxy relay socket serves proxied requests only" };
  return {
    http: proxy ? loadOnFirstUse(async () => {
      const { proxyHttp } = await import("./proxy-http.ts");
      return (stream, handlers, open, done) => proxyHttp(stream, handlers, proxy, open, done, log);
    }) : noApp,
    ws: proxy ? loadOnFirstUse(async () => {
      const { proxyWebSocket } = await import("./proxy-ws.ts");
      return (stream, handlers, open, done) => proxyWebSocket(stream, handlers, proxy, open, done, log);
    }) : noApp,
    pty: terminals ? (stream, handlers, open) => terminals.attach(stream, handlers, open) : relayOnly,
    tcp: config.forward.length > 0 ? loadOnFirstUse(async () => {
      const { forwardTcp } = await import("../forward/forward-tcp.ts");
      return (stream, handlers, open, done) => forwardTcp(stream, handlers, open, done, config.forward, log);
    }) : { refuse: "this machine forwards no TCP service (no forward: in config.yaml)" },
    call: files ? loadOnFirstUse(async () => {
      const { serveCall } = await import("../files/serve-call.ts");
      return (stream, handlers, open) => serveCall(stream, handlers, open, files, log);
    }) : relayOnly,
  };
}

/**
 * A server whose module is imported when its first stream opens. The frames that come while it
 * loads wait, in order, and go to its handlers once it has set them (at most a stream window's
 * worth: the DO sends no more without credit).
 */
export function loadOnFirstUse<K extends StreamKind>(load: () => Promise<StreamServer<K>>): StreamServer<K> {
  let loading: Promise<StreamServer<K>> | undefined;
  return (stream, handlers, open, done) => {
    const early: ((h: StreamHandlers) => void)[] = [];
    handlers.onData = (p, f) => void early.push((h) => h.onData(p, f));
    handlers.onEnd = () => void early.push((h) => h.onEnd());
    handlers.onReset = (r) => void early.push((h) => h.onReset(r));
    (loading ??= load()).then(
      (serve) => {
        handlers.onData = handlers.onEnd = handlers.onReset = () => {};
        serve(stream, handlers, open, done);
        for (const replay of early) replay(handlers);
      },
      (e: Error) => {
        loading = undefined; // the next stream tries again
        stream.reset(`the agent could not load this stream's code: ${e.message}`);
        done();
      },
    );
  };
}
