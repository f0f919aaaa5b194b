import { z } from "zod";

/** Headers as ordered pairs: several Set-Cookie headers stay several. */
export const headerPairsSchema = z.array(z.tuple([z.string().max(256), z.string().max(16 * 1024)])).max(200);
export type HeaderPairs = z.infer<typeof headerPairsSchema>;

/** On the path form, the prefix (`/p/<slug>`) taken off `path`; absent on the host form. */
const prefixSchema = z.string().max(200).optional();

/** The OPEN of a proxied HTTP exchange… */
export const httpOpenSchema = z.object({ kind: z.literal("http"), method: z.string().max(20), path: z.string().max(16 * 1024), headers: headerPairsSchema, prefix: prefixSchema });
/** …and of a proxied WebSocket. */
export const wsOpenSchema = z.object({ kind: z.literal("ws"), path: z.string().max(16 * 1024), headers: headerPairsSchema, protocols: z.array(z.string().max(200)).max(20), prefix: prefixSchema });

/**
 * The first DATA (HEAD flag) the agent sends back: a response's status and headers (`keptPrefix`:
 * the app got the path form's prefix, config `proxy.keep_prefix`, so its paths already carry it)…
 */
export const httpResponseHeadSchema = z.object({ status: z.number().int().min(100).max(599), headers: headerPairsSchema, keptPrefix: z.boolean().optional() });
/** …or, for a WebSocket, that the local app accepted it (and with which subprotocol), and later how it closed. */
export const wsHeadSchema = z.union([
  z.object({ accepted: z.literal(true), protocol: z.string().max(200) }),
  z.object({ close: z.object({ code: z.number().int(), reason: z.string().max(123) }) }),
]);

/** Hop-by-hop headers (RFC 9110 §7.6.1) never cross the proxy. */
export const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailer", "proxy-authenticate", "proxy-authorization", "proxy-connection"]);

export const isHopByHop = (name: string) => HOP_BY_HOP.has(name.toLowerCase()) || name.toLowerCase().startsWith("proxy-");
