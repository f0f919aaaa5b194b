/** One mail to one person: the plain text always, HTML when the sender wrote it. */
export type MailMessage = { to: string; subject: string; text: string; html?: string };

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** For every value put into a mail's HTML: a name or a user agent must not become markup. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);

/** A mail's HTML from paragraphs already escaped (or built with escapeHtml): plain, readable in every client. */
export const htmlParagraphs = (paragraphs: string[]) =>
  `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">${paragraphs.map((p) => `<p>${p}</p>`).join("")}</body></html>`;
