import type { AlertChannel, AlertMessage } from "@anchorage/common";
import { AppError } from "../../core/app-error.ts";
import type { StoredAlertChannel } from "../../core/db/schema.ts";
import { randomToken } from "../../core/ids.ts";
import type { Config } from "../config.ts";
import { sendMail, type MailDeps } from "../mail/send-mail.ts";
import { DELIVERY_TIMEOUT_MS, postSigned } from "../webhooks/deliver-webhook.ts";
import { checkWebhookUrl } from "../webhooks/webhook-url.ts";

/**
 * The channels of a new alert, checked: every URL as a webhook's is (https, no credentials, in
 * production a public host), the error naming the channel's field; each webhook channel gets its
 * own signing secret.
 */
export function checkChannels(channels: AlertChannel[], environment: Config["environment"]): StoredAlertChannel[] {
  return channels.map((ch, i) => {
    if (ch.type === "email") return { type: "email", to: ch.to };
    let url: string;
    try {
      url = checkWebhookUrl(ch.url, environment);
    } catch (e) {
      const message = (e instanceof AppError && e.options.fields?.[0]?.message) || "not a valid URL";
      throw new AppError("E-VALIDATION", `invalid body: channels.${i}.url: ${message}`, { fields: [{ path: `channels.${i}.url`, message }] });
    }
    return ch.type === "webhook" ? { type: "webhook", url, secret: `whsec_${randomToken(32)}` } : { type: ch.type, url };
  });
}

/** `webhook:0`, `email:1`: how history names a channel (its type and place; never its URL, which may hold a secret). */
export const channelLabel = (ch: StoredAlertChannel, index: number) => `${ch.type}:${index}`;

/** Discord refuses a message over 2,000 characters (its API's `content` limit). */
const DISCORD_MAX = 2000;

/** One try at one channel; null when it took the message, else what went wrong. */
export async function sendToChannel(ch: StoredAlertChannel, message: AlertMessage, deliveryId: string, deps: MailDeps, now = Date.now()): Promise<string | null> {
  switch (ch.type) {
    case "webhook":
      return (await postSigned(ch.url, ch.secret, { eventType: message.type, deliveryId, body: JSON.stringify(message) }, now)).error;
    case "slack":
      return postJson(ch.url, { text: message.text });
    case "discord":
      return postJson(ch.url, { content: message.text.slice(0, DISCORD_MAX) });
    case "email":
      try {
        await sendMail(deps, { to: ch.to, subject: message.text.split("\n")[0]!.slice(0, 200), text: `${message.text}\n\nAlert ${message.alert.id}, machine ${message.instance.id}.` });
        return null;
      } catch (e) {
        return describe(e);
      }
  }
}

/** An incoming-webhook POST (Slack, Discord): they check the URL's own secret, not a signature. */
async function postJson(url: string, body: unknown): Promise<string | null> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "Anchorage-Alerts/1" },
      body: JSON.stringify(body),
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 300 ? null : `the receiver answered ${res.status}`;
  } catch (e) {
    return describe(e);
  }
}

const describe = (e: unknown) => {
  const err = e instanceof Error ? e : new Error(String(e));
  return `${err.name}: ${err.message}`.slice(0, 500);
};
