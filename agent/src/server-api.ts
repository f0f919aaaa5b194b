/** JSON calls to the Anchorage server, with its error shape turned into one readable Error. */
export class ServerError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "ServerError";
    this.status = status;
    this.code = code;
  }
}

/** `timeoutMs`: 20 s unless the call is known to take longer (a compare of a big tree). */
export function postJson<T>(baseUrl: string, path: string, body: unknown, headers: Record<string, string> = {}, timeoutMs = 20_000): Promise<T> {
  return callJson<T>(baseUrl, path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) }, timeoutMs);
}

export function getJson<T>(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<T> {
  return callJson<T>(baseUrl, path, { method: "GET", headers });
}

async function callJson<T>(baseUrl: string, path: string, init: RequestInit, timeoutMs = 20_000): Promise<T> {
  let res: Response;
  try {
    res = await fetch(new URL(path, baseUrl), { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw new ServerError(0, "E-NETWORK", `cannot reach ${baseUrl}: ${(e as Error).message}`);
  }
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const err = json?.error;
    // Our API answers {error:{code,message}}; OAuth endpoints answer {error, error_description} (RFC 6749 §5.2).
    if (typeof err === "string") throw new ServerError(res.status, err, json.error_description ?? err);
    throw new ServerError(res.status, err?.code ?? `HTTP-${res.status}`, err?.message ?? `HTTP ${res.status}`);
  }
  return json as T;
}

/** ws:// or wss:// for the server's http:// or https:// URL. */
export function socketUrl(baseUrl: string, path: string): string {
  const u = new URL(path, baseUrl);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  return u.toString();
}
