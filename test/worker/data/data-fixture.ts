import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../../src/index.ts";
import { call, json, testEnv, uniqueIp, type Session } from "../helpers.ts";

type PutOptions = { contentType?: string; headers?: Record<string, string>; env?: Record<string, string> };

/** PUTs a value: an object as JSON, a string or bytes as they are (application/octet-stream unless told). */
export function put(path: string, token: string | undefined, value: unknown, o: PutOptions = {}): Promise<Response> {
  const raw = typeof value === "string" || value instanceof Uint8Array;
  const contentType = o.contentType ?? (raw ? "application/octet-stream" : "application/json");
  const body = raw ? (value as string | Uint8Array) : JSON.stringify(value);
  const headers = new Headers({ "content-type": contentType, ...o.headers });
  if (token) headers.set("authorization", `Bearer ${token}`);
  return send(path, { method: "PUT", headers, body }, o.env);
}

/** call() sends strings; this sends any body (bytes, a stream) to the Worker the same way. */
export async function send(path: string, init: RequestInit, env: Record<string, string> = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("cf-connecting-ip", uniqueIp());
  const ctx = createExecutionContext();
  const req = new Request(`http://localhost:8787${path}`, { ...init, headers });
  const res = await worker.fetch(req as Request<unknown, IncomingRequestCfProperties>, { ...testEnv, ...env }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** An API token of `s` holding exactly `scopes`. */
export async function tokenWith(s: Session, scopes: { scope: string; actions: string[] }[]): Promise<string> {
  const res = await call("/api/tokens", { token: s.access, body: { name: "data test", scopes } });
  if (res.status !== 201) throw new Error(`token creation failed: ${res.status} ${await res.text()}`);
  return (await json(res)).token;
}

/** The R2 objects holding `ownerId`'s values. */
export async function blobsOf(ownerId: string): Promise<string[]> {
  const listed = await testEnv.BLOBS.list({ prefix: `data/${ownerId}/` });
  return listed.objects.map((o) => o.key);
}

/** The D1 rows of `ownerId`'s values. */
export async function rowsOf(ownerId: string): Promise<{ scope: string; key: string; size: number; etag: string; blob_key: string }[]> {
  const { results } = await testEnv.DB.prepare(`SELECT scope, "key", size, etag, blob_key FROM user_data WHERE owner_id = ? ORDER BY scope, "key"`).bind(ownerId).all();
  return results as { scope: string; key: string; size: number; etag: string; blob_key: string }[];
}
