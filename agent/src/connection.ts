import { CLOSE, HEARTBEAT_INTERVAL_MS, PROTOCOL_VERSION, serverMessageSchema, type AgentMessage, type LogLine } from "@anchorage/common/protocol/messages";
import type { AgentConfig } from "@anchorage/common/agent-config";
import type { Credential } from "./home.ts";
import type { Logger } from "./agent-log.ts";
import { Backoff } from "./backoff.ts";
import { redactConfig } from "./config-file.ts";
import { DEAD_PEER_MS, openAgentSocket } from "./agent-socket.ts";
import { runProxyRelays } from "./proxy/proxy-relays.ts";
import { LogTail } from "./log-tail.ts";
import { handleRpc } from "./rpc-handlers.ts";
import { RpcError } from "./rpc-error.ts";
import { StreamHost } from "./proxy/stream-host.ts";
import { streamServers } from "./proxy/stream-servers.ts";
import { FileContext } from "./files/file-context.ts";
import { startBackupExpiry } from "./files/expire-backups.ts";
import { MirrorWatcher } from "./files/watch-mirrors.ts";
import { loadPtyBackendOnFirstUse } from "./terminal/pty-backend.ts";
import { TerminalSessions, type TtyEnded } from "./terminal/terminal-sessions.ts";
import { ServerError } from "./server-api.ts";
import { collectStats, readAgentVersion, type StatsSample } from "./system-stats.ts";
import os from "node:os";

/** Why the agent stopped for good (it reconnects for anything else). */
export type StopReason = "signal" | "deleted" | "disconnected" | "replaced" | "restart";

type Options = {
  credential: Credential;
  config: AgentConfig;
  log: Logger;
  ownLogFile: string;
  signal: AbortSignal;
  /** The agent's home: file scans keep their hash cache there (in memory only without one). */
  home?: string;
};

/**
 * Stays connected: one socket at a time, reconnecting with exponential backoff and
 * full jitter, always as the same instance. Returns when told to stop for good.
 */
export async function stayConnected(opts: Options): Promise<StopReason> {
  const backoff = new Backoff({ baseMs: 500, maxMs: 30_000 });
  const startedAt = new Date();
  const queue: LogLine[] = [];
  let sendLogs: ((lines: LogLine[]) => void) | null = null;
  const tail = new LogTail({
    files: [...opts.config.logs, opts.ownLogFile],
    onLines: (lines) => (sendLogs ? sendLogs(lines) : queue.push(...lines.slice(-500))),
  });
  // Shells outlive connections: a drop detaches them, and their ends are told once connected again.
  const ended: TtyEnded[] = [];
  let sendEnded: ((e: TtyEnded) => void) | null = null;
  const terminals = new TerminalSessions({
    config: opts.config,
    log: opts.log,
    spawnPty: loadPtyBackendOnFirstUse(opts.log),
    onEnded: (e) => (sendEnded ? sendEnded(e) : ended.push(e)),
  });
  const files = new FileContext(opts.config, opts.home);
  // Mirrors' folders stay watched across reconnects; changes seen meanwhile are told once back.
  const mirrorWatch = new MirrorWatcher(opts.config, opts.log);
  await tail.start();
  const backups = startBackupExpiry(opts.config, opts.log);
  try {
    for (;;) {
      if (opts.signal.aborted) return "signal";
      const outcome = await connectOnce(opts, startedAt, terminals, files, mirrorWatch, (send, sendTty) => {
        sendLogs = send;
        sendEnded = sendTty;
        if (send && queue.length) send(queue.splice(0, queue.length));
        if (sendTty) for (const e of ended.splice(0, ended.length)) sendTty(e);
      }, () => backoff.reset());
      sendLogs = null;
      sendEnded = null;
      if (outcome.stop) return outcome.stop;
      const delay = backoff.next();
      opts.log.warn(`connection lost (${outcome.why}); reconnecting in ${(delay / 1000).toFixed(1)} s`);
      await sleep(delay, opts.signal);
    }
  } finally {
    backups.stop();
    terminals.closeAll();
    mirrorWatch.close();
    await tail.stop();
  }
}

type Outcome = { stop?: StopReason; why: string };

async function connectOnce(
  opts: Options,
  startedAt: Date,
  terminals: TerminalSessions,
  files: FileContext,
  mirrorWatch: MirrorWatcher,
  attach: (send: ((lines: LogLine[]) => void) | null, sendTty: ((e: TtyEnded) => void) | null) => void,
  onWelcome: () => void,
): Promise<Outcome> {
  const { credential, config, log } = opts;
  let ws: WebSocket;
  try {
    ws = await openAgentSocket(credential);
  } catch (e) {
    if (e instanceof ServerError && e.status === 404) {
      log.error("the server no longer knows this instance (it was deleted); anchor again to come back");
      return { stop: "deleted", why: "deleted" };
    }
    return { why: (e as Error).message };
  }

  return new Promise<Outcome>((resolve) => {
    const streams = new StreamHost((bytes) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(bytes);
    }, streamServers(config, log, terminals, files));
    const running = new AbortController();
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    let watchdog: ReturnType<typeof setInterval> | undefined;
    let lastHeard = Date.now();
    let cpu: StatsSample | undefined;
    let restartRequested = false;
    let settled = false;

    const send = (msg: AgentMessage) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
    };
    const finish = (o: Outcome) => {
      if (settled) return;
      settled = true;
      clearInterval(heartbeat);
      clearInterval(watchdog);
      running.abort();
      streams.failAll("connection lost");
      attach(null, null);
      mirrorWatch.attach(null);
      opts.signal.removeEventListener("abort", onAbort);
      resolve(o);
    };
    const onAbort = () => {
      ws.close(1000, "agent shutting down");
      finish({ stop: "signal", why: "signal" });
    };
    opts.signal.addEventListener("abort", onAbort);

    const beat = async () => {
      try {
        const { stats, sample } = await collectStats(cpu);
        cpu = sample;
        send({ type: "heartbeat", at: new Date().toISOString(), stats });
      } catch (e) {
        log.warn(`could not collect stats: ${(e as Error).message}`);
      }
      // Heartbeats both ways: the server answers this without waking its object.
      if (ws.readyState === WebSocket.OPEN) ws.send('{"type":"ping"}');
    };

    ws.addEventListener("open", () => {
      log.info(`connected to ${credential.url} as ${credential.instance_id}`);
      send({
        type: "hello",
        protocol: PROTOCOL_VERSION,
        agent_version: readAgentVersion(),
        hostname: os.hostname(),
        platform: os.platform(),
        arch: os.arch(),
        config: redactConfig(config),
        terminals: terminals.ids(),
      });
      attach(
        (lines) => {
          for (let i = 0; i < lines.length; i += 1000) send({ type: "logs", lines: lines.slice(i, i + 1000) });
        },
        (e) => send({ type: "tty-ended", ...e }),
      );
      mirrorWatch.attach((ids) => send({ type: "mirror-changed", ids }));
      void beat();
      heartbeat = setInterval(() => void beat(), HEARTBEAT_INTERVAL_MS);
      watchdog = setInterval(() => {
        if (Date.now() - lastHeard > DEAD_PEER_MS) {
          log.warn("no answer from the server; dropping the connection");
          ws.close(4000, "dead peer");
          finish({ why: "server stopped answering" });
        }
      }, 1000);
    });

    ws.addEventListener("message", (event) => {
      lastHeard = Date.now();
      if (typeof event.data !== "string") {
        // Binary frames carry streams (the proxy); a malformed one ends the socket.
        const r = streams.receive(event.data as ArrayBuffer);
        if (!r.ok) ws.close(CLOSE.invalidMessage, `invalid frame: ${r.error}`.slice(0, 120));
        return;
      }
      if (event.data === '{"type":"pong"}') return;
      let parsed;
      try {
        parsed = serverMessageSchema.safeParse(JSON.parse(event.data));
      } catch {
        parsed = null;
      }
      if (!parsed?.success) {
        log.warn("ignored a malformed message from the server");
        return;
      }
      const msg = parsed.data;
      if (msg.type === "welcome") {
        onWelcome();
        // The proxy's extra relay sockets join now, and close with this one (`running`).
        runProxyRelays({ credential, config, log, signal: running.signal });
        return;
      }
      if (msg.type === "mirror-watch") {
        void mirrorWatch.update(msg.watches);
        return;
      }
      if (msg.type === "bye") {
        log.info(`server says goodbye: ${msg.reason}`);
        return;
      }
      const id = msg.id;
      handleRpc(msg.method, msg.params, {
        config,
        startedAt,
        terminals,
        signal: running.signal,
        progress: (stream, data) => send({ type: "rpc-progress", id, stream, data }),
        requestRestart: () => (restartRequested = true),
      }).then(
        (result) => {
          send({ type: "rpc-result", id, ok: true, result });
          if (restartRequested) {
            log.info("restarting on request");
            ws.close(1000, "agent restarting");
            finish({ stop: "restart", why: "restart" });
          }
        },
        (e: Error) => send({ type: "rpc-result", id, ok: false, error: { code: e instanceof RpcError ? e.code : "E-INTERNAL", message: e.message.slice(0, 4000) } }),
      );
    });

    ws.addEventListener("close", (event) => {
      const why = `closed ${event.code}${event.reason ? `: ${event.reason}` : ""}`;
      if (event.code === CLOSE.deleted) {
        log.error("this instance was deleted on the server; stopping (anchor again to come back)");
        return finish({ stop: "deleted", why });
      }
      if (event.code === CLOSE.disconnected) {
        log.info("disconnected by the owner; stopping (run `anchorage run` to come back)");
        return finish({ stop: "disconnected", why });
      }
      if (event.code === CLOSE.replaced) {
        log.warn("another agent connected as this instance and replaced this one; stopping");
        return finish({ stop: "replaced", why });
      }
      finish({ why });
    });
    ws.addEventListener("error", () => {
      /* a close event follows */
    });
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
