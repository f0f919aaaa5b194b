/**
 * MCP tools act through the REST API itself, with the caller's own credential: every tool call
 * meets the same route, validation and `permit()` (scopes included) as the same call over REST,
 * and nothing about access is decided twice.
 */
/** `body` is the answer's JSON (or its text when it is not JSON); `bytes` are the answer as it came (a file's content). */
export type RestAnswer = { status: number; body: any; bytes: Uint8Array; headers: Headers };
/** A Uint8Array body is sent as bytes (application/octet-stream); anything else as JSON. */
export type RestCall = (method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown, headers?: Record<string, string>) => Promise<RestAnswer>;

export function restCaller(dispatch: (req: Request) => Promise<Response>, origin: string, authorization: string, clientIp: string | null): RestCall {
  return async (method, path, body, extraHeaders) => {
    const headers = new Headers(extraHeaders);
    headers.set("authorization", authorization);
    if (clientIp) headers.set("cf-connecting-ip", clientIp);
    const raw = body instanceof Uint8Array;
    if (body !== undefined) headers.set("content-type", raw ? "application/octet-stream" : "application/json");
    const res = await dispatch(new Request(origin + path, { method, headers, body: body === undefined ? undefined : raw ? body : JSON.stringify(body) }));
    const bytes = new Uint8Array(await res.arrayBuffer());
    const text = new TextDecoder().decode(bytes);
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: kept as text */
    }
    return { status: res.status, body: parsed, bytes, headers: res.headers };
  };
}

/** A REST error as the tool's error text: the same code and message a REST client sees. */
export function restErrorText(a: RestAnswer): string {
  const e = (a.body as { error?: { code?: string; message?: string } } | null)?.error;
  return e ? `${e.code}: ${e.message}` : `HTTP ${a.status}`;
}
