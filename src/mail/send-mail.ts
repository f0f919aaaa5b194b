import type { Context } from "hono";
import type { Config } from "../config.ts";
import type { Db } from "../../core/db/client.ts";
import type { AppEnv } from "../http/app-env.ts";
import { keepInOutbox } from "./dev-outbox.ts";
import type { MailMessage } from "./mail-message.ts";
import { sendWithResend } from "./resend.ts";

export type MailDeps = { config: Config; db: Db; fetch?: typeof fetch };

/**
 * The one way Anchorage sends mail. With RESEND_API_KEY it goes out through Resend; without it
 * (local development, tests) it is kept in the dev outbox and, in development, a one-line notice
 * says where to read it. A notice names the subject and the recipient, never the body: a body may
 * hold a sign-in link.
 */
export async function sendMail(deps: MailDeps, message: MailMessage): Promise<void> {
  // A placeholder address (an OAuth account whose provider vouched for no email) has no mailbox.
  if (/\.invalid$/i.test(message.to)) return;
  const { resendApiKey, from } = deps.config.mail;
  if (resendApiKey) {
    await sendWithResend(resendApiKey, from, message, deps.fetch);
    return;
  }
  await keepInOutbox(deps.db, message);
  if (deps.config.environment === "production") {
    console.warn(`[mail] RESEND_API_KEY is not set: "${message.subject}" was kept in dev_outbox, not sent`);
  } else if (deps.config.environment === "development") {
    // Tests read the outbox themselves; a line per sign-in would only bury their output.
    console.log(`[mail] dev outbox: "${message.subject}" for ${message.to} (GET /api/dev/outbox?to=${encodeURIComponent(message.to)})`);
  }
}

/**
 * Runs mail work after the response (waitUntil), so how long it takes tells a caller nothing
 * (whether an email has an account, say) and a mail provider's failure never fails the request:
 * it is logged, by name and message only.
 */
export function mailAfterResponse(c: Context<AppEnv>, what: string, work: (deps: MailDeps) => Promise<void>): void {
  const done = work({ config: c.get("config"), db: c.get("db") }).catch((e: unknown) => {
    console.error(`[mail] ${what} was not sent: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  });
  try {
    c.executionCtx.waitUntil(done);
  } catch {
    // No ExecutionContext (hono throws then): the work runs on unawaited.
  }
}

/** Sends one mail after the response; see mailAfterResponse. */
export const sendMailAfterResponse = (c: Context<AppEnv>, message: MailMessage) =>
  mailAfterResponse(c, `"${message.subject}"`, (deps) => sendMail(deps, message));
