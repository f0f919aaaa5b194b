/**
 * The audit screens' filters as the query `/api/audit` and `/admin/audit` take
 * (src/audit/audit-view.ts `auditQuerySchema`), checked here first so a mistake is shown beside
 * its field without a round trip.
 */

export interface AuditFilters {
  /** An action or a prefix of one: `auth.`, `cloud.proxy`. */
  action: string;
  /** `<input type="date">` values, read as whole days in the browser's time zone; "" for open. */
  since: string;
  until: string;
  /** Admins only: a user id, or an email the page can turn into one. */
  actor: string;
  subject: string;
}

export type AuditFilterField = keyof AuditFilters;

export const emptyFilters = (): AuditFilters => ({ action: "", since: "", until: "", actor: "", subject: "" });

const ACTION = /^[a-z0-9._-]+$/;
const ACTION_MAX = 100;
const ID_MAX = 64;

/** A date input's value as the start of that day in the browser's time zone; null if it is not a date. */
export function startOfDay(value: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.getMonth() === Number(m[2]) - 1 && d.getDate() === Number(m[3]) ? d : null;
}

/** The last millisecond of that day (the server's `until` is inclusive). */
export function endOfDay(value: string): Date | null {
  const d = startOfDay(value);
  if (!d) return null;
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1, 0, 0, 0, -1);
}

interface QueryOptions {
  cursor?: number | null;
  limit?: number;
  /** Admins: an email typed as actor or subject becomes a user id; undefined when nobody has it. */
  resolveEmail?: (email: string) => string | undefined;
}

export type AuditQueryResult = { ok: true; query: string } | { ok: false; problems: Partial<Record<AuditFilterField, string>> };

/** The query string (with its `?`) for one page, or what is wrong with the filters. */
export function auditQuery(f: AuditFilters, { cursor, limit = 50, resolveEmail }: QueryOptions = {}): AuditQueryResult {
  const problems: Partial<Record<AuditFilterField, string>> = {};
  const q = new URLSearchParams();

  const action = f.action.trim().toLowerCase();
  if (action) {
    if (action.length > ACTION_MAX) problems.action = `At most ${ACTION_MAX} characters.`;
    else if (!ACTION.test(action)) problems.action = "Letters, digits, dots, dashes and underscores only, e.g. auth. or cloud.proxy";
    else q.set("action", action);
  }

  for (const who of ["actor", "subject"] as const) {
    const v = f[who].trim();
    if (!v) continue;
    let id: string | undefined = v;
    if (v.includes("@")) {
      id = resolveEmail?.(v.toLowerCase());
      if (!id) {
        problems[who] = "No user has this email address.";
        continue;
      }
    }
    if (id.length > ID_MAX) problems[who] = `An id has at most ${ID_MAX} characters.`;
    else q.set(`${who}_id`, id);
  }

  const since = f.since ? startOfDay(f.since) : null;
  const until = f.until ? endOfDay(f.until) : null;
  if (f.since && !since) problems.since = "Enter a date.";
  if (f.until && !until) problems.until = "Enter a date.";
  if (since && until && until < since) problems.until = "The last day is before the first.";
  if (since) q.set("since", since.toISOString());
  if (until) q.set("until", until.toISOString());

  if (Object.keys(problems).length) return { ok: false, problems };
  if (cursor) q.set("cursor", String(cursor));
  q.set("limit", String(limit));
  return { ok: true, query: `?${q}` };
}
