import type { AlertCondition, AlertInstanceState, FleetTarget } from "@anchorage/common";
import type { StoredAlertChannel } from "../db/schema.ts";

/** What an AlertDO holds of its alert's configuration (a copy of the D1 row the Worker hands it). */
export type AlertConfig = {
  id: string;
  ownerId: string;
  name: string;
  target: FleetTarget;
  condition: AlertCondition;
  channels: StoredAlertChannel[];
  enabled: boolean;
};

/**
 * What an AlertDO (one per alert, name = the alert's id) answers over RPC: the Worker configures
 * and clears it, an InstanceDO tells it of an online/offline transition, the API reads its state.
 */
export interface AlertRpc extends Rpc.DurableObjectBranded {
  /** The alert was created, enabled or disabled: evaluation starts (from the machines' state now) or stops. */
  configure(alert: AlertConfig): Promise<void>;
  /** An instance the alert may watch went offline or came back (after the InstanceDO's own grace); `at` in ms. */
  instanceChanged(instanceId: string, status: "online" | "offline", at: number): Promise<void>;
  /** Each watched machine's state. */
  status(): Promise<AlertInstanceState[]>;
  /** The alert was deleted: its timers and state go. */
  clear(): Promise<void>;
}
