import { inject } from "vitest";
import { ADMIN } from "./global-setup.ts";

export const base = () => inject("baseUrl");

/** The passwords of the run's users by their tokens, so a long run can confirm it is them (step-up). */
const passwords = new Map<string, string>();
export const rememberPassword = (token: string, password: string) => void passwords.set(token, password);

/**
 * What a person with curl does: JSON in, JSON out, optional Bearer token. A run is longer than
 * step-up's 5 minutes: an action answered E-AUTH-STEP-UP for a token of the run's own users (the
 * admin's of global-setup.ts, or freshUser's) is confirmed with that user's password, as the
 * person would, and sent again.
 */
export async function api(path: string, o: Parameters<typeof send>[1] = {}) {
  const r = await send(path, o);
  if (r.status !== 401 || r.body?.error?.code !== "E-AUTH-STEP-UP" || !o.token) return r;
  const password = o.token === inject("adminToken") ? ADMIN.password : passwords.get(o.token);
  if (!password) return r;
  const stepped = await send("/auth/step-up", { token: o.token, body: { method: "password", password } });
  if (stepped.status !== 200) throw new Error(`step-up failed: ${stepped.status} ${JSON.stringify(stepped.body)}`);
  return send(path, o);
}

async function send(path: string, o: { method?: string; body?: unknown; token?: string; headers?: Record<string, string>; origin?: string } = {}) {
  const headers: Record<string, string> = { ...o.headers };
  if (o.body !== undefined) headers["content-type"] = "application/json";
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  const res = await fetch(base() + path, {
    method: o.method ?? (o.body !== undefined ? "POST" : "GET"),
    headers,
    body: o.body !== undefined ? JSON.stringify(o.body) : undefined,
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers };
}
