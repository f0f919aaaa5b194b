import { escapeHtml, htmlParagraphs, type MailMessage } from "../../mail/mail-message.ts";

type Asked = { to: string; link: string; expiresAt: string; ip: string | null; userAgent: string | null };

const when = (iso: string) => `${iso.slice(11, 16)} UTC`;
const from = (a: Asked) => [a.ip ? `address ${a.ip}` : null, a.userAgent ? a.userAgent.slice(0, 120) : null].filter(Boolean).join(", ") || "an unknown address";

/** The mail for a browser sign-in: the link signs in whoever opens it, once, for 10 minutes. */
export function browserLinkMail(a: Asked): MailMessage {
  const lines = [
    `Open this link to sign in to Anchorage as ${a.to}:`,
    a.link,
    `It works once and expires at ${when(a.expiresAt)} (10 minutes after it was asked for, from ${from(a)}).`,
    "If you did not ask for it, ignore this mail: nobody can sign in without the link.",
  ];
  return {
    to: a.to,
    subject: "Your Anchorage sign-in link",
    text: lines.join("\n\n") + "\n",
    html: htmlParagraphs([
      escapeHtml(lines[0]!),
      `<a href="${escapeHtml(a.link)}">Sign in to Anchorage</a>`,
      escapeHtml(lines[2]!),
      escapeHtml(lines[3]!),
    ]),
  };
}

/**
 * The mail for a terminal's sign-in. Whoever asked gets the session, and anyone can ask for your
 * email, so the mail says so plainly and gives the code the asking terminal shows: a person who
 * did not start it has something to compare, and a reason not to click.
 */
export function cliLinkMail(a: Asked & { checkCode: string }): MailMessage {
  const lines = [
    `A command-line tool asked to sign in to Anchorage as ${a.to} (from ${from(a)}).`,
    `If that was you, check that your terminal shows the code ${a.checkCode}, then open this link and approve:`,
    a.link,
    `The link works once and expires at ${when(a.expiresAt)}. Approving signs in that terminal, not this browser.`,
    "If you did not start this, do not open the link: nothing happens without it.",
  ];
  return {
    to: a.to,
    subject: `Approve a terminal sign-in to Anchorage (code ${a.checkCode})`,
    text: lines.join("\n\n") + "\n",
    html: htmlParagraphs([
      escapeHtml(lines[0]!),
      `If that was you, check that your terminal shows the code <strong>${escapeHtml(a.checkCode)}</strong>, then open this link and approve:`,
      `<a href="${escapeHtml(a.link)}">Approve the terminal sign-in</a>`,
      escapeHtml(lines[3]!),
      escapeHtml(lines[4]!),
    ]),
  };
}
