/**
 * MCP tools act through the REST API itself, with the caller's own credential: every tool call
 * meets the same route, validation and `permit()` (scopes included) as the same call over REST,
 * and nothing about access is decided twice.
 */
export type RestAnswer = { status: number; body: any };
export type RestCall = (method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown) => Promise<RestAnswer>;

export function restCaller(dispatch: (req: Request) => Promise<Response>, origin: string, authorization: string, clientIp: string | null): RestCall {
  return async (method, path, body) => {
    const headers = new Headers({ authorization });
    if (clientIp) headers.set("cf-connecting-ip", clientIp);
    if (body !== undefined) headers.set("content-type", "application/json");
    const res = await dispatch(new Request(origin + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }));
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: kept as text */
    }
    return { status: res.status, body: parsed };
  };
}

/** A REST error as the tool's error text: the same code and message a REST client sees. */
export function restErrorText(a: RestAnswer): string {
  const e = (a.body as { error?: { code?: string; message?: string } } | null)?.error;
  return e ? `${e.code}: ${e.message}` : `HTTP ${a.status}`;
}
