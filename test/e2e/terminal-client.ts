import WebSocket from "ws";
import { base } from "./http-client.ts";
import { until } from "./agent-process.ts";

export type TerminalClient = Awaited<ReturnType<typeof openTerminal>>;

/**
 * A terminal socket opened the way a script does (Node `ws`, Bearer): binary frames are the
 * shell's bytes, text frames JSON control. Resolves once the socket is open, or with the
 * HTTP status the upgrade was refused with.
 */
export async function openTerminal(instanceId: string, token: string, query: Record<string, string | number> = {}, headers: Record<string, string> = {}) {
  const qs = new URLSearchParams(Object.entries({ cols: 80, rows: 24, ...query }).map(([k, v]) => [k, String(v)]));
  const ws = new WebSocket(`${base().replace("http", "ws")}/api/cloud/instance/${instanceId}/terminal?${qs}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
  const control: any[] = [];
  const chunks: Buffer[] = [];
  let offset = 0;
  let closed: { code: number; reason: string } | null = null;
  ws.on("message", (data, isBinary) => {
    if (isBinary) chunks.push(data as Buffer);
    else {
      const msg = JSON.parse(String(data));
      if (msg.type === "session") offset = msg.offset;
      control.push(msg);
    }
  });
  ws.on("close", (code, reason) => (closed = { code, reason: String(reason) }));
  const opened = await new Promise<{ ok: true } | { ok: false; status: number; body: string }>((resolve) => {
    ws.once("open", () => resolve({ ok: true }));
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ ok: false, status: res.statusCode ?? 0, body }));
    });
    ws.once("error", () => resolve({ ok: false, status: 0, body: "socket error" }));
  });
  const output = () => Buffer.concat(chunks).toString("utf8");
  return {
    ws,
    opened,
    control,
    output,
    bytes: () => chunks.reduce((n, c) => n + c.length, 0),
    closed: () => closed as { code: number; reason: string } | null,
    session: () => until(() => control.find((m) => m.type === "session")),
    type: (text: string) => ws.send(Buffer.from(text), { binary: true }),
    send: (msg: unknown) => ws.send(JSON.stringify(msg)),
    /** With ack=1: acknowledges everything received so far. */
    ack: () => ws.send(JSON.stringify({ type: "ack", offset: offset + chunks.reduce((n, c) => n + c.length, 0) })),
    /** Waits until the output (from byte `from` on) matches. */
    waitFor: (pattern: RegExp, from = 0, ms = 15_000) =>
      until(() => pattern.test(Buffer.concat(chunks).subarray(from).toString("utf8")), ms).catch(() => {
        throw new Error(`terminal output never matched ${pattern}; it was:\n${JSON.stringify(output().slice(-2000))}\ncontrol: ${JSON.stringify(control)}`);
      }),
  };
}
