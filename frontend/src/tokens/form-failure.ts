import { ApiError } from "../api-error.ts";

/**
 * A refused form, sorted so each message shows next to what it is about: the server names
 * fields by path (`name`, `scopes.2.scope`); a path this form has no input for goes in the alert.
 */
export interface FormFailure {
  message: string;
  /** By the form's own field names (the first segment of the path). */
  fields: Record<string, string>;
  /** By the index of the scope in the list that was sent. */
  scopes: Record<number, string>;
  other: string[];
  /** Counts refusals, so the same message twice is announced twice (the alert is keyed by it). */
  attempt: number;
}

export function toFormFailure(e: unknown, known: readonly string[], attempt: number): FormFailure {
  const err = e instanceof ApiError ? e : new ApiError(0, "E-UNKNOWN", "Something went wrong. Please try again.");
  const failure: FormFailure = { message: err.message, fields: {}, scopes: {}, other: [], attempt };
  for (const f of err.fields) {
    const [head = "", index] = f.path.split(".");
    if (head === "scopes" && index !== undefined && /^\d+$/.test(index)) failure.scopes[Number(index)] ??= f.message;
    else if (known.includes(head)) failure.fields[head] ??= f.message;
    else failure.other.push(f.path ? `${f.path}: ${f.message}` : f.message);
  }
  return failure;
}

/** The form's own refusal (nothing was sent): one message, the attempt counted on from the last. */
export const localFailure = (message: string, last: FormFailure | null): FormFailure => ({ message, fields: {}, scopes: {}, other: [], attempt: (last?.attempt ?? 0) + 1 });

export const SCOPES_NEED_ATTENTION = "Some scopes need attention: see the messages beside them.";
