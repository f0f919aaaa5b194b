/** What the benches share: waiting for a condition, and the JSON API of the stack they started. */

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it gives something truthy; throws, naming `what`, after `ms`. */
export async function waitFor<T>(check: () => T | Promise<T>, ms: number, what: string, everyMs = 100): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A JSON call to the stack at `base`: GET without a body, POST with one; a refusal throws with the answer. */
export function jsonApi(base: string) {
  return async function api(path: string, body?: unknown, token?: string) {
    const res = await fetch(base + path, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json as any;
  };
}
