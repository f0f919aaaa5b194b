import type { HubEvent } from "@anchorage/common";
import type { Env } from "../../core/env.ts";
import { openDb, type Db } from "../../core/db/client.ts";
import { publishToAudience, publishToUsers } from "../../core/events/publish.ts";
import type { Hello } from "../../core/rpc/instance-rpc.ts";
import { AgentStreams } from "./agent-streams.ts";
import { InstanceState } from "./instance-state.ts";

/** Which instance this object is, once an agent has connected (kept in storage). */
export type InstanceRef = { id: string; ownerId: string };

/**
 * What every part of the InstanceDO shares (instance-do.ts builds one and hands it to each): the
 * object's storage, the agent's sockets and the stream table on them, the ordered event outbox,
 * and the one alarm, which each part asks to be set again through `reschedule`.
 */
export class InstanceContext {
  readonly state: InstanceState;
  /** The streams on the agent's socket (proxy, terminal, files): in memory, like the requests they serve. */
  readonly streams: AgentStreams;
  private outbox: Promise<unknown> = Promise.resolve();

  constructor(
    readonly ctx: DurableObjectState,
    readonly env: Env,
    /** Sets the alarm to the earliest time any part wants it (the router asks each part). */
    readonly reschedule: () => Promise<void>,
  ) {
    this.state = new InstanceState(ctx.storage.sql);
    this.streams = new AgentStreams(() => this.agentSockets()[0]);
  }

  /** The agent's open socket (one; a newer connection replaces the older). */
  agentSockets(): WebSocket[] {
    return this.ctx.getWebSockets("agent").filter((s) => s.readyState === WebSocket.OPEN);
  }

  instance(): InstanceRef | undefined {
    return this.state.getMeta<InstanceRef>("instance");
  }

  /** What the agent said when it last connected. */
  hello(): Hello | undefined {
    return this.state.getMeta<Hello>("hello");
  }

  db(): Db {
    return openDb(this.env.DB);
  }

  /** Another instance's object (or this one's own, by its id). */
  instanceStub(id: string) {
    return this.env.INSTANCE.get(this.env.INSTANCE.idFromName(id));
  }

  /** Keeps the object at work until the promise settles; a failure is logged under `label`. */
  background(label: string, p: Promise<unknown>) {
    this.ctx.waitUntil(p.catch((e) => console.error(`${label}: ${(e as Error).message}`)));
  }

  /** Events go out in order, one fan-out after another. */
  emit(event: HubEvent) {
    const inst = this.instance();
    if (!inst) return;
    this.enqueue(() => publishToAudience(this.env, inst, event));
  }

  /** An event for these users only (a terminal's). */
  emitTo(userIds: string[], event: HubEvent) {
    const inst = this.instance();
    if (!inst) return;
    this.enqueue(() => publishToUsers(this.env, inst, userIds, event));
  }

  /** Settles once every event emitted so far has gone out. */
  flushed(): Promise<unknown> {
    return this.outbox;
  }

  private enqueue(fanOut: () => Promise<void>) {
    this.outbox = this.outbox.then(fanOut).catch((e) => console.error(`event fan-out failed: ${(e as Error).message}`));
    this.ctx.waitUntil(this.outbox);
  }
}
