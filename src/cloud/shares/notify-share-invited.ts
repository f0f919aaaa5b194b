import type { Context } from "hono";
import type { InstanceRow, PendingShareRow, UserRow } from "../../../core/db/schema.ts";
import type { AppEnv } from "../../http/app-env.ts";
import type { Config } from "../../config.ts";
import { createInvite } from "../../auth/invites.ts";
import { escapeHtml, htmlParagraphs, type MailMessage } from "../../mail/mail-message.ts";
import { mailAfterResponse, sendMail } from "../../mail/send-mail.ts";

/** How long the invite code in the mail is good for when registration is by invitation. */
export const SHARE_INVITE_HOURS = 7 * 24;

const verbs = (permissions: string[]) => permissions.map((p) => p.split(":")[0]).join(", ");

/** The mail to someone without an account: who shared what, and how to get an account with this address. */
export function shareInvitedMail(o: { owner: Omit<UserRow, "passwordHash">; share: PendingShareRow; instance: InstanceRow | null; dashboard: string; registration: Config["registration"]; invite?: { code: string; expires_at: string } }): MailMessage {
  const what = o.instance ? `the instance "${o.instance.name}"` : "all of their instances (those they add later too)";
  const join =
    o.registration === "closed"
      ? `Registration is closed on this Anchorage: ask an admin for an account with this address (${o.share.granteeEmail}), then sign in at ${o.dashboard}.`
      : o.invite
        ? `Create an account at ${o.dashboard} with this address (${o.share.granteeEmail}) and the invite code ${o.invite.code} (valid until ${o.invite.expires_at.slice(0, 16).replace("T", " ")} UTC).`
        : `Create an account at ${o.dashboard} with this address (${o.share.granteeEmail}).`;
  const lines = [`${o.owner.name} (${o.owner.email}) shared ${what} with you on Anchorage.`, `You may: ${verbs(o.share.permissions)}.`, join, "The share is yours from your first sign-in. If you did not expect this, ignore this mail."];
  return { to: o.share.granteeEmail, subject: `${o.owner.name} invited you to Anchorage`, text: lines.join("\n\n") + "\n", html: htmlParagraphs(lines.map(escapeHtml)) };
}

/**
 * Invites the address of a new pending share, after the response: the invite code (when
 * registration needs one) is made then too, so neither timing nor the answer tells the owner
 * whether the address had an account.
 */
export function notifyShareInvited(c: Context<AppEnv>, o: { owner: Omit<UserRow, "passwordHash">; share: PendingShareRow; instance: InstanceRow | null }): void {
  if (!o.share.enabled) return;
  mailAfterResponse(c, "share invitation", async (deps) => {
    const registration = deps.config.registration;
    const invite = registration === "invite" ? await createInvite(deps.db, { createdBy: o.owner.id, email: o.share.granteeEmail, expiresInHours: SHARE_INVITE_HOURS }) : undefined;
    await sendMail(deps, shareInvitedMail({ ...o, dashboard: `${deps.config.issuer}/`, registration, invite }));
  });
}
