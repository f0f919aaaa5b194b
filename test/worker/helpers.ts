import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../src/index.ts";
import type { Env } from "../../core/env.ts";
import { openDb } from "../../core/db/client.ts";
import { hashPassword } from "../../src/auth/password/password-hash.ts";
import { createUser, newUserRow } from "../../core/users/users.ts";
import type { Role } from "@anchorage/common";

export const testEnv = env as unknown as Env;
export const ORIGIN = "http://localhost:8787";

let counter = 0;
/** A unique value per call, so tests never share an account or a rate-limit bucket. */
export const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
export const uniqueEmail = () => `${unique("u")}@example.test`;
export const uniqueIp = () => `198.51.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
export const PASSWORD = "correct horse battery staple";

type CallOptions = {
  method?: string;
  body?: unknown;
  rawBody?: string;
  token?: string;
  cookie?: string;
  origin?: string;
  ip?: string;
  headers?: Record<string, string>;
  env?: Partial<Env>;
  /** The host the request is addressed to (an app's own host name); the dashboard's by default. */
  host?: string;
};

/** Calls the Worker the way a client does: real routing, real D1/KV/DO bindings. */
export async function call(path: string, o: CallOptions = {}): Promise<Response> {
  const headers = new Headers(o.headers);
  if (o.body !== undefined || o.rawBody !== undefined) headers.set("content-type", headers.get("content-type") ?? "application/json");
  if (o.token) headers.set("authorization", `Bearer ${o.token}`);
  if (o.cookie) headers.set("cookie", o.cookie);
  if (o.origin) headers.set("origin", o.origin);
  headers.set("cf-connecting-ip", o.ip ?? uniqueIp());
  if (o.host) headers.set("host", o.host);
  const req = new Request(`http://${o.host ?? "localhost:8787"}${path}`, {
    method: o.method ?? (o.body !== undefined || o.rawBody !== undefined ? "POST" : "GET"),
    headers,
    body: o.rawBody ?? (o.body !== undefined ? JSON.stringify(o.body) : undefined),
  });
  const ctx = createExecutionContext();
  const res = await worker.fetch(req as Request<unknown, IncomingRequestCfProperties>, { ...testEnv, ...o.env } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

export async function json<T = any>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

export type Session = { userId: string; email: string; access: string; refresh: string; sessionId: string };

export async function register(email = uniqueEmail(), password = PASSWORD): Promise<Session> {
  const res = await call("/auth/register", { body: { email, password } });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${await res.text()}`);
  const b = await json(res);
  return { userId: b.user.id, email, access: b.tokens.access_token, refresh: b.tokens.refresh_token, sessionId: b.session_id };
}

export async function login(email: string, password = PASSWORD, ip?: string): Promise<Session> {
  const res = await call("/auth/login", { body: { email, password }, ip });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const b = await json(res);
  return { userId: b.user.id, email, access: b.tokens.access_token, refresh: b.tokens.refresh_token, sessionId: b.session_id };
}

/** Creates a user straight in D1 (as `npm run admin:create` does) and signs them in. */
export async function seedUser(roles: Role[] = ["user"]): Promise<Session> {
  const email = uniqueEmail();
  await createUser(openDb(testEnv.DB), newUserRow({ email, roles, passwordHash: await hashPassword(PASSWORD) }));
  return login(email);
}

export const seedAdmin = () => seedUser(["user", "admin"]);

export function errorOf(body: any): { code: string; message: string; fields?: { path: string; message: string }[] } {
  return body.error;
}

/** The cookies a response set, as a Cookie request header value. */
export function cookieHeader(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!)
    .filter((kv) => !kv.endsWith("="))
    .join("; ");
}

/** A correctly signed access token for the session `s`, expired a minute ago. */
export async function expiredAccessToken(s: Session): Promise<string> {
  const { SignJWT, decodeJwt, importJWK } = await import("jose");
  const { loadConfig } = await import("../../src/config.ts");
  const jwk = loadConfig(testEnv).signingKeys[0]!;
  const key = await importJWK({ ...jwk, alg: "ES256" }, "ES256");
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...decodeJwt(s.access), iat: now - 1000, exp: now - 60 }).setProtectedHeader({ alg: "ES256", kid: jwk.kid, typ: "at+jwt" }).sign(key);
}
