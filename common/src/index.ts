export * from "./errors.ts";
export * from "./roles.ts";
export * from "./auth.ts";
export * from "./permissions.ts";
