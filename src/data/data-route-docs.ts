import { z, type OpenAPIHono } from "@hono/zod-openapi";
import { dataItemSchema, dataKeySchema, dataListQuerySchema, dataListSchema, dataModuleSchema, dataValueQuerySchema, errorBodySchema } from "@anchorage/common";
import type { AppEnv } from "../http/app-env.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../http/openapi-common.ts";

const tags = ["data"];
const errorEntry = (description: string) => ({ description, content: { "application/json": { schema: errorBodySchema } } });
const versionHeaders = {
  ETag: { description: 'strong, quoted ("…")', schema: { type: "string" as const } },
  "Last-Modified": { description: "when this version was written", schema: { type: "string" as const } },
};
const conditionHeaders = z.object({
  "if-match": z.string().optional().describe('"<etag>" (or *): write only over this version, else 412'),
  "if-none-match": z.string().optional().describe("*: create only, 412 if the key exists"),
});

const FORMS = [
  { base: "/public", label: "public", params: {}, who: "Anyone reads public data (no sign-in needed with ?owner=); its owner writes it" },
  { base: "/private", label: "private", params: {}, who: "Private data: its owner (and admins) only; a token needs storage.<owner>.data[.private]" },
  { base: "/mod/{module}", label: "module", params: { module: dataModuleSchema }, who: "A module's data: readable by tokens with storage.<owner>.data.mod/<module>" },
] as const;

/**
 * The data routes in /openapi.json. They are plain Hono routes (a key spans `/`, which a
 * `{key}` template cannot), so they are described here, from the same schemas that check them.
 */
export function documentDataRoutes(router: OpenAPIHono<AppEnv>): void {
  for (const form of FORMS) {
    const security = form.label === "public" ? undefined : bearerSecurity;
    const keyParams = z.object({ ...form.params, key: dataKeySchema.describe("may hold /, e.g. settings/theme") });
    router.openAPIRegistry.registerPath({
      method: "get", path: form.base, tags, security, summary: `List ${form.label} keys by prefix, a page at a time. ${form.who}`,
      request: { params: z.object(form.params), query: dataListQuerySchema },
      responses: { 200: jsonResponse(dataListSchema, "Keys in order, with next_cursor"), ...errorResponses(400, 401, 403, 404) },
    });
    router.openAPIRegistry.registerPath({
      method: "get", path: `${form.base}/{key}`, tags, security, summary: `Read a ${form.label} value (its bytes, as stored). ${form.who}`,
      request: { params: keyParams, query: dataValueQuerySchema, headers: z.object({ "if-none-match": z.string().optional().describe('"<etag>": 304 when unchanged') }) },
      responses: {
        200: { description: "The value, with the Content-Type it was written with", headers: versionHeaders, content: { "*/*": { schema: z.string().openapi({ format: "binary" }) } } },
        304: { description: "Not modified (If-None-Match)", headers: versionHeaders },
        ...errorResponses(400, 401, 403, 404),
      },
    });
    router.openAPIRegistry.registerPath({
      method: "put", path: `${form.base}/{key}`, tags, security: bearerSecurity,
      summary: `Write a ${form.label} value: JSON (must parse) or any bytes, kept with their Content-Type`,
      request: {
        params: keyParams, query: dataValueQuerySchema, headers: conditionHeaders,
        body: { required: true, content: { "application/json": { schema: z.unknown() }, "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } } },
      },
      responses: {
        200: jsonResponse(dataItemSchema, "Replaced"), 201: jsonResponse(dataItemSchema, "Created"),
        ...errorResponses(400, 401, 403, 404),
        412: errorEntry("E-PRECONDITION: If-Match / If-None-Match did not hold"),
        413: errorEntry("E-PAYLOAD-TOO-LARGE: over DATA_MAX_VALUE_BYTES"),
        507: errorEntry("E-QUOTA: the owner's data would pass DATA_QUOTA_BYTES"),
      },
    });
    router.openAPIRegistry.registerPath({
      method: "delete", path: `${form.base}/{key}`, tags, security: bearerSecurity, summary: `Delete a ${form.label} value`,
      request: { params: keyParams, query: dataValueQuerySchema, headers: conditionHeaders },
      responses: { 200: jsonResponse(z.object({ success: z.literal(true) }), "Deleted"), ...errorResponses(400, 401, 403, 404), 412: errorEntry("E-PRECONDITION: If-Match did not hold") },
    });
  }
}
