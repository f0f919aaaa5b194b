import { AppError } from "../../core/app-error.ts";

/** What a value is stored as when the request names no Content-Type. */
export const DEFAULT_CONTENT_TYPE = "application/octet-stream";

// type "/" subtype [parameters] (RFC 9110 §8.3.1), in printable ASCII, as it will be sent back.
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(\s*;[\x20-\x7e]*)?$/;

const invalid = (field: string, message: string) => new AppError("E-VALIDATION", `${field}: ${message}`, { fields: [{ path: field, message }] });

/** The Content-Type a value is stored with, checked: it is sent back as is on every read. */
export function contentTypeOf(header: string | undefined): string {
  const value = header?.trim();
  if (!value) return DEFAULT_CONTENT_TYPE;
  if (value.length > 255 || !MEDIA_TYPE.test(value)) throw invalid("Content-Type", "must be a media type such as application/json (at most 255 characters)");
  return value;
}

const isJsonType = (contentType: string) => {
  const base = contentType.split(";")[0]!.trim().toLowerCase();
  return base === "application/json" || base.endsWith("+json");
};

/** A value sent as JSON must be JSON (UTF-8), so readers that trust its Content-Type can parse it. */
export function assertValidContent(bytes: Uint8Array, contentType: string): void {
  if (!isJsonType(contentType)) return;
  try {
    JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch (e) {
    throw invalid("(body)", `is not valid JSON (${(e as Error).message})`);
  }
}
