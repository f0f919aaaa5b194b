/**
 * The API docs at /docs, rendered on the server from /openapi.json. Self-contained
 * (no CDN script), so it works offline and under a strict CSP.
 */
type Doc = { info: { title: string; version: string; description?: string }; paths: Record<string, Record<string, Operation>> };
type Operation = {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string }>;
};

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function operationHtml(path: string, method: string, op: Operation): string {
  const params = (op.parameters ?? []).map((p) => `<li><code>${esc(p.name)}</code> (${esc(p.in)}${p.required ? ", required" : ""})</li>`).join("");
  const body = op.requestBody?.content?.["application/json"]?.schema;
  const responses = Object.entries(op.responses ?? {})
    .map(([status, r]) => `<li><code>${esc(status)}</code> ${esc(r.description ?? "")}</li>`)
    .join("");
  return `<details id="${esc(method + path)}"><summary><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code> — ${esc(op.summary ?? "")}${op.security?.length ? ' <span class="lock" title="needs a session or token">🔒</span>' : ""}</summary>
${params ? `<h4>Parameters</h4><ul>${params}</ul>` : ""}
${body ? `<h4>JSON body</h4><pre>${esc(JSON.stringify(body, null, 2))}</pre>` : ""}
<h4>Responses</h4><ul>${responses}</ul></details>`;
}

export function renderDocsPage(doc: Doc): string {
  const sections = new Map<string, string[]>();
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = op.tags?.[0] ?? "other";
      sections.set(tag, [...(sections.get(tag) ?? []), operationHtml(path, method, op)]);
    }
  }
  const body = [...sections].map(([tag, ops]) => `<section><h2>${esc(tag)}</h2>${ops.join("\n")}</section>`).join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(doc.info.title)} API</title><style>
:root{color-scheme:light dark;font-family:system-ui,sans-serif}body{max-width:60rem;margin:2rem auto;padding:0 1rem}
details{border:1px solid #8884;border-radius:6px;margin:.4rem 0;padding:.4rem .6rem}summary{cursor:pointer}
.m{display:inline-block;min-width:4.5em;font-weight:700;font-family:monospace}.get{color:#2a7}.post{color:#27c}.put,.patch{color:#c80}.delete{color:#c33}
pre{overflow:auto;background:#8881;padding:.5rem;border-radius:4px;font-size:.85em}
</style></head><body><h1>${esc(doc.info.title)} API <small>${esc(doc.info.version)}</small></h1>
<p>${esc(doc.info.description ?? "")}</p><p>Machine-readable: <a href="/openapi.json">/openapi.json</a>. Errors are always <code>{"error":{"code":"E-…","message":"…"}}</code>.</p>
${body}</body></html>`;
}
