import { OpenAPIHono } from "@hono/zod-openapi";
import type { ZodError } from "zod";
import type { FieldIssue } from "@anchorage/common";
import type { AppEnv } from "./app-env.ts";
import { AppError } from "../../core/app-error.ts";

export function fieldIssues(error: ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.length ? issue.path.join(".") : "(body)",
    message: issue.code === "unrecognized_keys" ? `unknown field(s): ${issue.keys.join(", ")}` : issue.message,
  }));
}

export function validationError(error: ZodError, where: string): AppError {
  const fields = fieldIssues(error);
  const summary = fields.map((f) => `${f.path}: ${f.message}`).join("; ");
  return new AppError("E-VALIDATION", `invalid ${where}: ${summary}`, { fields });
}

/** A router whose request validation failures become 400 E-VALIDATION naming each field. */
export function newRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) throw validationError(result.error as ZodError, result.target === "json" ? "body" : result.target);
      void c;
    },
  });
}
