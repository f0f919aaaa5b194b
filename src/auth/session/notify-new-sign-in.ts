import { and, eq, ne, sql } from "drizzle-orm";
import type { Context } from "hono";
import type { Db } from "../../../core/db/client.ts";
import { sessions, type SessionRow, type UserRow } from "../../../core/db/schema.ts";
import type { AppEnv } from "../../http/app-env.ts";
import { escapeHtml, htmlParagraphs, type MailMessage } from "../../mail/mail-message.ts";
import { mailAfterResponse, sendMail } from "../../mail/send-mail.ts";

/**
 * "New" means: from an address none of the user's other sessions (live or ended, as long as D1
 * keeps them) came from. The very first session of an account is not news. A user agent is not
 * compared: it changes with every browser update and says little. Without an address (only off
 * Cloudflare's edge) nothing can be compared, and nothing is sent.
 */
export async function isNewSignInAddress(db: Db, session: SessionRow): Promise<boolean> {
  if (!session.ip) return false;
  const row = await db
    .select({ others: sql<number>`count(*)`, sameIp: sql<number>`coalesce(sum(${sessions.ip} = ${session.ip}), 0)` })
    .from(sessions)
    .where(and(eq(sessions.userId, session.userId), ne(sessions.id, session.id)))
    .get();
  return (row?.others ?? 0) > 0 && (row?.sameIp ?? 0) === 0;
}

const HOW: Record<string, string> = {
  password: "a password",
  device: "a device code approved in the browser",
  "device-invite": "a device code from the dashboard",
  "magic-link": "a sign-in link sent by mail",
  "access-token": "a password, for a short-lived access token",
};

export function newSignInMail(user: UserRow, session: SessionRow, dashboard: string): MailMessage {
  const how = HOW[session.provider] ?? session.provider;
  const where = `${session.ip}${session.userAgent ? ` (${session.userAgent.slice(0, 120)})` : ""}`;
  const lines = [
    `Someone signed in to Anchorage as ${user.email} from an address not seen on your account before: ${where}, at ${session.createdAt.slice(0, 16).replace("T", " ")} UTC, with ${how}.`,
    "If it was you, there is nothing to do.",
    `If it was not, change your password and end that session under "Your sessions" at ${dashboard}`,
  ];
  return { to: user.email, subject: "New sign-in to your Anchorage account", text: lines.join("\n\n") + "\n", html: htmlParagraphs(lines.map(escapeHtml)) };
}

/** Tells the user of a sign-in from a new address, after the response. */
export function notifyNewSignIn(c: Context<AppEnv>, user: UserRow, session: SessionRow): void {
  mailAfterResponse(c, "the new sign-in notice", async (deps) => {
    if (await isNewSignInAddress(deps.db, session)) await sendMail(deps, newSignInMail(user, session, `${deps.config.issuer}/`));
  });
}
