import { AppError } from "../../core/app-error.ts";

const tooLarge = (limit: number) => new AppError("E-PAYLOAD-TOO-LARGE", `request body is larger than ${limit} bytes`);

/**
 * The whole request body, refused with 413 as soon as it passes `limit`: a declared
 * Content-Length over it is refused unread, and a body without one (chunked) is read only
 * until it crosses the limit, so no more than `limit` bytes are ever held.
 */
export async function readBodyWithin(req: Request, limit: number): Promise<Uint8Array> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}
