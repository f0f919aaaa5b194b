/**
 * The D1 schema (drizzle), one file per area; drizzle-kit reads it from here (drizzle.config.ts)
 * and writes the migrations from it. Times are ISO-8601 UTC strings: they sort, compare and read
 * the same in SQL and in JSON.
 */
export * from "./schema/accounts.ts";
export * from "./schema/sign-in.ts";
export * from "./schema/totp.ts";
export * from "./schema/tokens.ts";
export * from "./schema/cloud.ts";
export * from "./schema/teams.ts";
export * from "./schema/sync.ts";
export * from "./schema/data-audit-webhooks.ts";
export * from "./schema/alerts.ts";
export * from "./schema/scripts.ts";
export * from "./schema/fleet.ts";
