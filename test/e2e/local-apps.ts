import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { Server as SocketIoServer } from "socket.io";
import { WebSocketServer } from "ws";

/** Deterministic bytes: the same (seed, n) gives the same content on both sides. */
export function patternBytes(n: number, seed = 7): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    b[i] = x >>> 16;
  }
  return b;
}
export const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

export type LocalApp = { port: number; server: Server; closedRequests: string[]; release: () => void; close: () => Promise<void> };

/**
 * A real local app of the kind people publish: plain HTTP routes, server-sent events,
 * large bodies, cookies and redirects, a WebSocket echo at /ws, and Socket.IO.
 */
export async function startLocalApp(): Promise<LocalApp> {
  const closedRequests: string[] = [];
  let releaseSse: () => void = () => {};
  const big = patternBytes(32 * 1024 * 1024);
  const server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    // The connection went away before the response was complete: the visitor (or proxy) gave up.
    res.on("close", () => {
      if (!res.writableFinished) closedRequests.push(url.pathname);
    });
    switch (url.pathname) {
      case "/echo-headers":
        res.setHeader("content-type", "application/json");
        return res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers }));
      case "/id":
        return res.end(url.searchParams.get("i"));
      case "/upload": {
        const h = createHash("sha256");
        let n = 0;
        req.on("data", (d: Buffer) => {
          h.update(d);
          n += d.length;
        });
        req.on("end", () => res.end(JSON.stringify({ bytes: n, sha256: h.digest("hex") })));
        return;
      }
      case "/download":
        res.setHeader("content-type", "application/octet-stream");
        res.setHeader("content-length", String(big.length));
        return res.end(big);
      case "/sse":
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        res.write("data: first\n\n");
        // The second event waits for the test: only an unbuffered proxy shows the first one before it.
        releaseSse = () => {
          res.write("data: second\n\n");
          res.end();
        };
        return;
      case "/cookies":
        res.setHeader("set-cookie", ["a=1; Path=/", "b=2; HttpOnly", "c=3; Path=/deep; SameSite=Lax"]);
        return res.end("cookies");
      case "/redirect":
        res.writeHead(302, { location: "/landing" });
        return res.end();
      case "/slow":
        return; // never answers
      case "/crash":
        return req.socket.destroy();
      default:
        res.statusCode = 404;
        return res.end("not found");
    }
  });
  const wss = new WebSocketServer({ noServer: true });
  wss.on("connection", (ws, req) => {
    ws.on("message", (data, isBinary) => {
      const text = data.toString();
      if (!isBinary && text === "close-me") return ws.close(4321, "asked to close");
      ws.send(isBinary ? data : `echo:${text}`, { binary: isBinary });
    });
    ws.send(`hello ${req.headers["x-forwarded-host"] ?? ""}`);
  });
  server.on("upgrade", (req, socket, head) => {
    if (req.url?.startsWith("/ws")) wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });
  const io = new SocketIoServer(server, { destroyUpgrade: false });
  io.on("connection", (s) => s.on("ping-me", (msg: string, ack: (r: string) => void) => ack(`pong:${msg}:${s.conn.transport.name}`)));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as { port: number }).port,
    server,
    closedRequests,
    release: () => releaseSse(),
    close: async () => {
      io.close();
      wss.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
