import { HEARTBEAT_INTERVAL_MS } from "@anchorage/common/protocol/messages";
import type { Credential } from "./home.ts";
import { signConnectProof } from "./connect-proof.ts";
import { postJson, socketUrl } from "./server-api.ts";

/** Silence from the server this long (no pong, no message) means the socket is dead. */
export const DEAD_PEER_MS = 3 * HEARTBEAT_INTERVAL_MS;

/**
 * Opens a socket to the server as this instance: a fresh single-use challenge, signed with the
 * instance's key. Without `relay`, the agent's own socket; with it, the proxy's relay socket
 * number `relay` (docs/features.md, `proxy.relays`). A refused challenge throws its ServerError.
 */
export async function openAgentSocket(credential: Credential, relay?: number): Promise<WebSocket> {
  const { nonce } = await postJson<{ nonce: string }>(credential.url, "/agent/challenge", { instance_id: credential.instance_id });
  const proof = await signConnectProof(credential.instance_id, credential.private_jwk, nonce);
  const query = `instance_id=${encodeURIComponent(credential.instance_id)}${relay ? `&relay=${relay}` : ""}`;
  const ws = new WebSocket(socketUrl(credential.url, `/agent/connect?${query}`), { headers: { authorization: `Bearer ${proof}` } } as unknown as string[]);
  ws.binaryType = "arraybuffer";
  return ws;
}
