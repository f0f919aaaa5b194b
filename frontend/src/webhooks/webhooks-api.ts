import { authed, request } from "../api.ts";

/** `/api/webhooks` (src/webhooks/webhook-routes.ts): a signed-in session's own webhooks and their deliveries. */

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

/** The answer to a create: the signing secret is in it this once. */
export type CreatedWebhook = Webhook & { secret: string };

export interface Delivery {
  id: string;
  event_id: string;
  event_type: string;
  state: "pending" | "delivered" | "dead";
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export interface DeliveryPage {
  deliveries: Delivery[];
  next_cursor: string | null;
}

const path = (id: string, rest = "") => `/api/webhooks/${encodeURIComponent(id)}${rest}`;

export const listWebhooks = () => authed(() => request<{ webhooks: Webhook[] }>("GET", "/api/webhooks")).then((r) => r.webhooks);

export const createWebhook = (url: string, events: string[]) => authed(() => request<CreatedWebhook>("POST", "/api/webhooks", { url, events }));

export const deleteWebhook = (id: string) => authed(() => request<{ success: true }>("DELETE", path(id)));

export const listDeliveries = (id: string, cursor: string | null, limit = 20) =>
  authed(() => request<DeliveryPage>("GET", path(id, `/deliveries?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`)));
