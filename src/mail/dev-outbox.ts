import { desc, eq } from "drizzle-orm";
import type { Db } from "../../core/db/client.ts";
import { devOutbox } from "../../core/db/schema.ts";
import { nowIso } from "../../core/ids.ts";
import { normalizeEmail } from "../../core/users/users.ts";
import type { MailMessage } from "./mail-message.ts";

/** Keeps a mail instead of sending it (no RESEND_API_KEY): local development and tests read it back. */
export async function keepInOutbox(db: Db, message: MailMessage, now = Date.now()): Promise<number> {
  const [row] = await db
    .insert(devOutbox)
    .values({ to: normalizeEmail(message.to), subject: message.subject, text: message.text, html: message.html ?? null, createdAt: nowIso(now) })
    .returning({ id: devOutbox.id });
  return row!.id;
}

/** The newest kept mails, for one recipient or everyone. */
export async function readOutbox(db: Db, o: { to?: string; limit: number }) {
  return db
    .select()
    .from(devOutbox)
    .where(o.to ? eq(devOutbox.to, normalizeEmail(o.to)) : undefined)
    .orderBy(desc(devOutbox.id))
    .limit(o.limit)
    .all();
}
