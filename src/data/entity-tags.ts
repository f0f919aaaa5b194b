import { AppError } from "../../core/app-error.ts";

/**
 * Conditional requests (RFC 9110 §13). A stored value's ETag is strong and quoted (`"…"`):
 * `If-Match` compares strongly (a weak tag never matches), `If-None-Match` weakly (§8.8.3.2).
 */
export type EntityTag = { weak: boolean; tag: string };
/** A parsed If-Match / If-None-Match: `*` (any current value) or a list of entity-tags. */
export type EntityTagList = "*" | EntityTag[];
export type Preconditions = { ifMatch: EntityTagList | null; ifNoneMatch: EntityTagList | null };

// entity-tag = [ W/ ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text (§8.8.3); a list is comma-separated.
const ENTITY_TAG = /\s*(W\/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(,|$)/y;

/** Parses one header; a malformed one is a 400 naming it rather than a condition silently dropped. */
export function parseEntityTags(value: string | undefined, header: string): EntityTagList | null {
  if (value === undefined) return null;
  if (value.trim() === "*") return "*";
  const tags: EntityTag[] = [];
  ENTITY_TAG.lastIndex = 0;
  while (ENTITY_TAG.lastIndex < value.length) {
    const m = ENTITY_TAG.exec(value);
    if (!m) break;
    tags.push({ weak: m[1] !== undefined, tag: m[2]! });
    if (m[3] === "") break;
  }
  if (tags.length === 0 || ENTITY_TAG.lastIndex !== value.length) {
    throw new AppError("E-VALIDATION", `${header} must be * or a list of quoted entity-tags ("…")`, {
      fields: [{ path: header, message: 'must be * or quoted entity-tags, e.g. "abc"' }],
    });
  }
  return tags;
}

/** Why the conditions do not hold for the value whose ETag is `current` (null: there is none), or null when they do. */
export function unmetPrecondition(current: string | null, { ifMatch, ifNoneMatch }: Preconditions): string | null {
  // §13.2.2: If-Match is evaluated first.
  if (ifMatch !== null) {
    if (current === null) return "If-Match: the value does not exist";
    if (ifMatch !== "*" && !ifMatch.some((t) => !t.weak && t.tag === current)) return `If-Match: the value has changed (its ETag is now ${current})`;
  }
  if (ifNoneMatch !== null && current !== null) {
    if (ifNoneMatch === "*") return "If-None-Match: * — the value already exists";
    if (ifNoneMatch.some((t) => t.tag === current)) return `If-None-Match: the value is still at ETag ${current}`;
  }
  return null;
}

export const preconditionFailed = (why: string) => new AppError("E-PRECONDITION", why);

/** For a GET: true when the client's copy (If-None-Match) is current, so 304 and no body. */
export const isNotModified = (current: string, ifNoneMatch: EntityTagList | null) =>
  ifNoneMatch !== null && (ifNoneMatch === "*" || ifNoneMatch.some((t) => t.tag === current));
