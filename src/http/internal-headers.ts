/**
 * Headers from a visitor, minus every `x-anchorage-*` one: those are how the Worker tells a
 * Durable Object what it has already checked, so a client must never be able to send one in.
 */
export function withoutInternalHeaders(headers: Headers): Headers {
  const out = new Headers(headers);
  for (const name of [...out.keys()]) if (name.toLowerCase().startsWith("x-anchorage-")) out.delete(name);
  return out;
}
