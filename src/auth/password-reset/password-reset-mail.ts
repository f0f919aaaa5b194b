import { escapeHtml, htmlParagraphs, type MailMessage } from "../../mail/mail-message.ts";

type From = { ip: string | null; userAgent: string | null };

const when = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;
const from = (a: From) => [a.ip ? `address ${a.ip}` : null, a.userAgent ? a.userAgent.slice(0, 120) : null].filter(Boolean).join(", ") || "an unknown address";

/** The link to set a new password: it works once, for 30 minutes, and signs nobody in. */
export function passwordResetMail(a: From & { to: string; link: string; expiresAt: string }): MailMessage {
  const lines = [
    `Someone (from ${from(a)}) asked to reset the password of your Anchorage account ${a.to}. Open this link to choose a new one:`,
    a.link,
    `It works once and expires at ${when(a.expiresAt)} (30 minutes after it was asked for). Setting a new password signs you out everywhere; your API tokens keep working.`,
    "If you did not ask for it, ignore this mail: your password stays as it is.",
  ];
  return {
    to: a.to,
    subject: "Reset your Anchorage password",
    text: lines.join("\n\n") + "\n",
    html: htmlParagraphs([escapeHtml(lines[0]!), `<a href="${escapeHtml(a.link)}">Choose a new password</a>`, escapeHtml(lines[2]!), escapeHtml(lines[3]!)]),
  };
}

/** After a reset: the account's owner hears of it, so a reset they did not make does not go unseen. */
export function passwordChangedMail(a: From & { to: string; at: string; sessionsEnded: number; dashboard: string }): MailMessage {
  const lines = [
    `Your password was changed: the password of your Anchorage account ${a.to} was reset with a link sent by mail, at ${when(a.at)}, from ${from(a)}.`,
    `Every session was signed out (${a.sessionsEnded}); sign in again with the new password at ${a.dashboard}`,
    "If it was not you, someone can read your mail: secure your mailbox, then reset the password again and revoke your API tokens under Settings.",
  ];
  return { to: a.to, subject: "Your Anchorage password was changed", text: lines.join("\n\n") + "\n", html: htmlParagraphs(lines.map(escapeHtml)) };
}
