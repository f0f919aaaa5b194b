/**
 * What an opened file is shown as. Images by their extension (shown only as an <img> of a blob:
 * URL, which runs no script, an SVG's included); text when the bytes decode as UTF-8 and hold no
 * NUL in their first 8,000 bytes (git's test, as the agent's scan uses); anything else is only
 * offered for download. Nothing from the machine is ever rendered as a page on the dashboard's origin.
 */

const IMAGE_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  bmp: "image/bmp",
  ico: "image/x-icon",
  svg: "image/svg+xml",
};

export const extensionOf = (name: string) => {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
};

/** The image type a file's name says it has, or null. */
export const imageTypeOf = (name: string): string | null => IMAGE_TYPES[extensionOf(name)] ?? null;

/** The text of bytes that are text, or null for binary content. */
export function textOf(bytes: Uint8Array): string | null {
  if (bytes.subarray(0, 8000).includes(0)) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** The editor's language for a file name (file-editor.tsx loads it); null for plain text. */
export type EditorLanguage = "javascript" | "typescript" | "jsx" | "tsx" | "json" | "python" | "markdown" | "css" | "html" | "yaml";

const LANGUAGES: Record<string, EditorLanguage> = {
  js: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  jsx: "jsx",
  ts: "typescript",
  mts: "typescript",
  cts: "typescript",
  tsx: "tsx",
  json: "json",
  jsonc: "json",
  webmanifest: "json",
  py: "python",
  pyi: "python",
  md: "markdown",
  markdown: "markdown",
  css: "css",
  html: "html",
  htm: "html",
  yaml: "yaml",
  yml: "yaml",
};

export const languageOf = (name: string): EditorLanguage | null => LANGUAGES[extensionOf(name)] ?? null;
