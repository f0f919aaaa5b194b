import type { Context } from "hono";
import { z } from "@hono/zod-openapi";
import { dataKeySchema, dataListQuerySchema, dataModuleSchema, dataScopeOf, dataValueQuerySchema, type DataItem, type DataScope } from "@anchorage/common";
import type { UserDataRow } from "../../core/db/schema.ts";
import type { AppEnv } from "../http/app-env.ts";
import { notFound } from "../../core/app-error.ts";
import { newRouter, validationError } from "../http/router.ts";
import { readBodyWithin } from "../http/read-body-within.ts";
import { authenticateIfPresent } from "../auth/authenticate-if-present.ts";
import { requireUser } from "../auth/require-user.ts";
import { findUserById } from "../../core/users/users.ts";
import { assertMayRead, assertMayWrite, ownerOf } from "./data-access.ts";
import { listValues } from "./data-store.ts";
import { documentDataRoutes } from "./data-route-docs.ts";
import { deleteValue } from "./delete-value.ts";
import { isNotModified, parseEntityTags, type Preconditions } from "./entity-tags.ts";
import { openValue } from "./open-value.ts";
import { assertValidContent, contentTypeOf } from "./value-content.ts";
import { writeValue } from "./write-value.ts";

/**
 * `/api/data/{public|private|mod/<name>}[/<key>]`: a user's data store. Keys may hold `/`, which
 * createRoute's `{key}` cannot match, so these routes are plain Hono on a `.+` pattern, checked with
 * the shared zod schemas, and documented separately (data-route-docs.ts).
 */
export const dataRoutes = newRouter();
type Ctx = Context<AppEnv>;
type ScopeKind = "public" | "private" | "mod";

const BASES: Record<ScopeKind, string> = { public: "/public", private: "/private", mod: "/mod/:module" };
for (const [kind, base] of Object.entries(BASES) as [ScopeKind, string][]) {
  dataRoutes.get(base, (c) => listScope(c, kind));
  dataRoutes.get(`${base}/:key{.+}`, (c) => readOne(c, kind));
  dataRoutes.put(`${base}/:key{.+}`, requireUser, (c) => writeOne(c, kind));
  dataRoutes.delete(`${base}/:key{.+}`, requireUser, (c) => deleteOne(c, kind));
}
documentDataRoutes(dataRoutes);

function parsed<S extends z.ZodType>(schema: S, input: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(result.error, where);
  return result.data;
}

const moduleParam = z.object({ module: dataModuleSchema });
const keyParam = z.object({ key: dataKeySchema });

const scopeOf = (c: Ctx, kind: ScopeKind): DataScope =>
  kind === "mod" ? dataScopeOf("mod", parsed(moduleParam, { module: c.req.param("module") }, "path").module) : kind;
const keyOf = (c: Ctx) => parsed(keyParam, { key: c.req.param("key") }, "path").key;

const preconditionsOf = (c: Ctx): Preconditions => ({
  ifMatch: parseEntityTags(c.req.header("if-match"), "If-Match"),
  ifNoneMatch: parseEntityTags(c.req.header("if-none-match"), "If-None-Match"),
});

const toDataItem = (row: UserDataRow): DataItem => ({
  owner_id: row.ownerId,
  scope: row.scope,
  key: row.key,
  content_type: row.contentType,
  size: row.size,
  etag: row.etag,
  created_at: row.createdAt,
  updated_at: row.updatedAt,
});

async function listScope(c: Ctx, kind: ScopeKind) {
  const principal = await authenticateIfPresent(c);
  const scope = scopeOf(c, kind);
  const q = parsed(dataListQuerySchema, c.req.query(), "query");
  const ownerId = ownerOf(principal, q.owner);
  assertMayRead(principal, ownerId, scope);
  const rows = await listValues(c.get("db"), { ownerId, scope, prefix: q.prefix, after: q.cursor, limit: q.limit });
  const page = rows.slice(0, q.limit);
  return c.json({ items: page.map(toDataItem), next_cursor: rows.length > q.limit ? page.at(-1)!.key : null }, 200);
}

async function readOne(c: Ctx, kind: ScopeKind) {
  const principal = await authenticateIfPresent(c);
  const scope = scopeOf(c, kind);
  const key = keyOf(c);
  const ownerId = ownerOf(principal, parsed(dataValueQuerySchema, c.req.query(), "query").owner);
  assertMayRead(principal, ownerId, scope);
  const ifNoneMatch = parseEntityTags(c.req.header("if-none-match"), "If-None-Match");
  const found = await openValue(c.get("db"), c.env.BLOBS, { ownerId, scope, key }, (row) => !isNotModified(row.etag, ifNoneMatch));
  if (!found) throw notFound("value");
  const { row, body } = found;
  const headers: Record<string, string> = {
    ETag: row.etag,
    "Last-Modified": new Date(row.updatedAt).toUTCString(),
    // Revalidate with the ETag every time; only public values may sit in a shared cache.
    "Cache-Control": scope === "public" ? "no-cache" : "private, no-cache",
  };
  if (!body) return c.body(null, 304, headers);
  return c.body(body, 200, {
    ...headers,
    "Content-Type": row.contentType,
    "Content-Length": String(row.size),
    // Values are whatever their owner uploaded, served from the dashboard's origin: an HTML or SVG
    // value must not run script there (stored XSS through someone's public data).
    "Content-Security-Policy": "default-src 'none'; sandbox",
  });
}

async function writeOne(c: Ctx, kind: ScopeKind) {
  const principal = c.get("principal");
  const scope = scopeOf(c, kind);
  const key = keyOf(c);
  const ownerId = ownerOf(principal, parsed(dataValueQuerySchema, c.req.query(), "query").owner);
  assertMayWrite(principal, ownerId, scope);
  const db = c.get("db");
  // Only an admin gets here for someone else; the user must exist for their data to.
  if (ownerId !== principal.userId && !(await findUserById(db, ownerId))) throw notFound("user");
  const conditions = preconditionsOf(c);
  const contentType = contentTypeOf(c.req.header("content-type"));
  const config = c.get("config");
  const bytes = await readBodyWithin(c.req.raw, config.dataMaxValueBytes);
  assertValidContent(bytes, contentType);
  const { row, created } = await writeValue(db, c.env.BLOBS, { ownerId, scope, key }, { bytes, contentType }, { quotaBytes: config.dataQuotaBytes, conditions });
  c.header("ETag", row.etag);
  return c.json(toDataItem(row), created ? 201 : 200);
}

async function deleteOne(c: Ctx, kind: ScopeKind) {
  const principal = c.get("principal");
  const scope = scopeOf(c, kind);
  const key = keyOf(c);
  const ownerId = ownerOf(principal, parsed(dataValueQuerySchema, c.req.query(), "query").owner);
  assertMayWrite(principal, ownerId, scope);
  if (!(await deleteValue(c.get("db"), c.env.BLOBS, { ownerId, scope, key }, preconditionsOf(c)))) throw notFound("value");
  return c.json({ success: true as const }, 200);
}
