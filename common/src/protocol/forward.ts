import { z } from "zod";

/** A TCP forward's name in the agent's config and in `GET /api/cloud/instance/:id/forward/:name`. */
export const forwardNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "lowercase letters, digits, - and _ (max 40)");

/** `host:port` the agent connects to for a forward: an IPv4 address or a host name, or `[v6]:port`. */
export const forwardTargetSchema = z
  .string()
  .max(300)
  .regex(/^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, "host:port, e.g. 127.0.0.1:22 or [::1]:5432")
  .refine((t) => {
    const port = Number(t.slice(t.lastIndexOf(":") + 1));
    return port >= 1 && port <= 65535;
  }, "the port must be 1 to 65535");

/** Splits a checked target into what net.connect takes. */
export function parseForwardTarget(target: string): { host: string; port: number } {
  const at = target.lastIndexOf(":");
  const host = target.slice(0, at);
  return { host: host.startsWith("[") ? host.slice(1, -1) : host, port: Number(target.slice(at + 1)) };
}

/** The OPEN of a forwarded TCP connection: which of the config's forwards (never a target the server names). */
export const tcpOpenSchema = z.object({ kind: z.literal("tcp"), name: forwardNameSchema });

/** The agent's first DATA (HEAD flag) on a tcp stream: it reached the target. A failure is a RESET with the reason. */
export const tcpHeadSchema = z.object({ connected: z.literal(true) });

/**
 * The client's socket (`anchorage forward` ↔ the InstanceDO) carries one byte stream in the
 * agent protocol's own frames (frames.ts: DATA, END, RESET, WINDOW) on this stream id, with the
 * same per-stream credit, so a slow reader at either end slows the sender and nothing piles up
 * in the Durable Object.
 */
export const FORWARD_STREAM_ID = 1;
