import type { Context } from "hono";
import type { InstanceRow, ShareRow, UserRow } from "../../../core/db/schema.ts";
import type { AppEnv } from "../../http/app-env.ts";
import { escapeHtml, htmlParagraphs, type MailMessage } from "../../mail/mail-message.ts";
import { sendMailAfterResponse } from "../../mail/send-mail.ts";

/** "read:cloud_instance" → "read": what a person calls the permissions on the share screen. */
const verbs = (permissions: string[]) => permissions.map((p) => p.split(":")[0]).join(", ");

export function shareGrantedMail(o: { owner: Omit<UserRow, "passwordHash">; grantee: UserRow; share: ShareRow; instance: InstanceRow | null; dashboard: string }): MailMessage {
  const what = o.instance ? `the instance "${o.instance.name}"` : "all of their instances (those they add later too)";
  const until = o.share.expiresAt ? ` until ${o.share.expiresAt.slice(0, 16).replace("T", " ")} UTC` : "";
  const lines = [
    `${o.owner.name} (${o.owner.email}) shared ${what} with you on Anchorage${until}.`,
    `You may: ${verbs(o.share.permissions)}.`,
    `Open ${o.dashboard} to see it.`,
  ];
  return { to: o.grantee.email, subject: `${o.owner.name} shared ${o.instance ? `"${o.instance.name}"` : "their instances"} with you`, text: lines.join("\n\n") + "\n", html: htmlParagraphs(lines.map(escapeHtml)) };
}

/** Tells the grantee of a new, enabled share, after the response (a failed mail never undoes the share). */
export function notifyShareGranted(c: Context<AppEnv>, o: { owner: Omit<UserRow, "passwordHash">; grantee: UserRow; share: ShareRow; instance: InstanceRow | null }): void {
  if (!o.share.enabled) return;
  sendMailAfterResponse(c, shareGrantedMail({ ...o, dashboard: `${c.get("config").issuer}/` }));
}
