import type { MailMessage } from "./mail-message.ts";

export const RESEND_EMAILS_URL = "https://api.resend.com/emails";

/**
 * Sends one mail through Resend's HTTP API (POST /emails, Bearer API key). Throws with Resend's
 * status and error name when it refuses; its messages name the problem, never the key.
 */
export async function sendWithResend(apiKey: string, from: string, message: MailMessage, fetchImpl: typeof fetch = fetch): Promise<{ id: string }> {
  const res = await fetchImpl(RESEND_EMAILS_URL, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ from, to: [message.to], subject: message.subject, text: message.text, ...(message.html ? { html: message.html } : {}) }),
    // A mail is sent after the response (waitUntil); do not let a stuck connection hold the isolate.
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json().catch(() => null)) as { id?: string; name?: string; message?: string } | null;
  if (!res.ok || !body?.id) throw new Error(`Resend answered ${res.status}${body?.name ? ` ${body.name}` : ""}${body?.message ? `: ${body.message}` : ""}`);
  return { id: body.id };
}
