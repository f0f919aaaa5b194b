import { errorBodySchema } from "@anchorage/common";
import { requireSession, requireUser } from "../auth/require-user.ts";

/** Response entries for createRoute: every error is the same JSON shape. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [s, { description: describe(s), content: { "application/json": { schema: errorBodySchema } } }]),
  );

const describe = (status: number) =>
  ({ 400: "Invalid input", 401: "Not signed in", 403: "Not allowed", 404: "Not found", 409: "Conflict", 413: "Body too large", 429: "Rate limited" })[status] ??
  "Error";

export const jsonBody = <T>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
export const jsonResponse = <T>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

export const bearerSecurity: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }];

/** Spread into createRoute: the route needs a signed-in caller (and says so in the OpenAPI doc). */
export const signedIn = { security: bearerSecurity, middleware: [requireUser] };

/**
 * Spread into createRoute: the route needs a signed-in person. API tokens are refused whatever
 * their scopes: account settings, administration and token management are a session's alone.
 */
export const signedInSession = { security: bearerSecurity, middleware: [requireSession] };
