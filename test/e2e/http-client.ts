import { inject } from "vitest";

export const base = () => inject("baseUrl");

/** What a person with curl does: JSON in, JSON out, optional Bearer token. */
export async function api(path: string, o: { method?: string; body?: unknown; token?: string; headers?: Record<string, string>; origin?: string } = {}) {
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
