import { DurableObject } from "cloudflare:workers";
import type { AlertInstanceState } from "@anchorage/common";
import type { Env } from "../../core/env.ts";
import type { AlertConfig, AlertRpc } from "../../core/rpc/alert-rpc.ts";
import { AlertEngine } from "./alert-engine.ts";

/**
 * One per alert (name = the alert's id): its machines' states, grace timers (the storage alarm)
 * and deliveries being retried, all in storage, so an eviction or a stack restart loses nothing.
 * The evaluation is src/alerts/alert-engine.ts; this class only routes to it.
 */
export class AlertDO extends DurableObject<Env> implements AlertRpc {
  private readonly engine: AlertEngine;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.engine = new AlertEngine(ctx.storage, env);
  }

  async configure(alert: AlertConfig): Promise<void> {
    await this.engine.configure(alert);
  }

  async instanceChanged(instanceId: string, status: "online" | "offline", at: number): Promise<void> {
    await this.engine.instanceChanged(instanceId, status, at);
  }

  async status(): Promise<AlertInstanceState[]> {
    return this.engine.status();
  }

  async clear(): Promise<void> {
    await this.engine.clear();
  }

  override async alarm(): Promise<void> {
    await this.engine.alarm();
  }
}
