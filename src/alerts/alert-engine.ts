import type { AlertInstanceState, AlertMessage } from "@anchorage/common";
import type { Env } from "../../core/env.ts";
import { openDb } from "../../core/db/client.ts";
import { randomToken } from "../../core/ids.ts";
import type { AlertConfig } from "../../core/rpc/alert-rpc.ts";
import { loadConfig } from "../config.ts";
import { channelLabel, sendToChannel } from "./alert-channels.ts";
import { alertMembers, type AlertMember } from "./alert-members.ts";
import { alertMessage, type AlertEvent } from "./alert-message.ts";
import { conditionHolds, forMsOf, graceEndsAt, metricPercent, observe, type Watch } from "./alert-state.ts";
import { alertExists, recordHistory, type NewHistoryEntry } from "./alert-store.ts";

/** A metric alert samples its machines' latest stats this often (heartbeats come every 5 s). */
export const METRIC_SAMPLE_MS = 10_000;
/**
 * An offline alert hears transitions from the InstanceDOs; once a minute it also looks at every
 * machine itself, so a lost notification (an object evicted mid-send) costs a minute, not an alert.
 */
export const OFFLINE_SWEEP_MS = 60_000;
/** The target is resolved again (tags added later, shares ended) at most this often, and always before a firing. */
const MEMBERS_TTL_MS = 60_000;
/** A channel is tried this many times in all; the waits before tries 2, 3 and 4. */
export const MAX_CHANNEL_ATTEMPTS = 4;
export const RETRY_DELAYS_MS = [5_000, 30_000, 120_000];
/** A delivery being sent is not picked again before this (an attempt times out after 10 s). */
const SENDING_LEASE_MS = 60_000;

/** One message to one channel, kept until it went through or was given up on. */
type Delivery = { id: string; eventId: string; channel: number; attempts: number; nextAt: number; message: AlertMessage };
type Members = { list: AlertMember[]; at: number };
type WatchMap = Record<string, Watch>;

/**
 * An alert's evaluation, on its AlertDO's storage (so an eviction or a restart loses nothing,
 * and the grace timers are the storage alarm): each machine's state, the resolved target,
 * deliveries waiting to be retried. Every change of state runs one at a time; sending runs
 * outside that, so a slow channel delays neither a notification nor another channel.
 */
export class AlertEngine {
  private lock: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
  ) {}

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private config = () => this.storage.get<AlertConfig>("config");
  private watch = async () => (await this.storage.get<WatchMap>("watch")) ?? {};
  private outbox = async () => (await this.storage.get<Delivery[]>("outbox")) ?? [];

  configure(cfg: AlertConfig): Promise<void> {
    return this.exclusive(async () => {
      const prev = await this.config();
      await this.storage.put("config", cfg);
      // Disabled: nothing is evaluated and the machines' state is forgotten (no resolved is sent);
      // messages already due still go out.
      if (!cfg.enabled) await this.storage.delete(["watch", "members", "nextSample"]);
      else {
        if (!prev?.enabled) await this.storage.delete(["watch", "members"]);
        const members = await this.members(cfg, Date.now(), true);
        await this.sample(cfg, members.map((m) => m.id), Date.now());
      }
      await this.schedule();
    });
  }

  instanceChanged(instanceId: string, status: "online" | "offline", at: number): Promise<void> {
    return this.exclusive(async () => {
      const cfg = await this.config();
      if (!cfg?.enabled || !("offline" in cfg.condition)) return;
      const now = Date.now();
      let members = await this.members(cfg, now, false);
      // Not among the cached members: perhaps tagged since; transitions are rare, so ask D1 again.
      if (!members.some((m) => m.id === instanceId)) members = await this.members(cfg, now, true);
      const member = members.find((m) => m.id === instanceId);
      if (!member) return;
      const watch = await this.watch();
      if ((watch[instanceId]?.seenAt ?? 0) > at) return; // older than what was seen already
      const prev = watch[instanceId];
      const step = observe(prev, status === "offline", at, forMsOf(cfg.condition));
      watch[instanceId] = step.next;
      await this.storage.put("watch", watch);
      // A resolved's "since" is its firing's.
      if (step.event) await this.emit(cfg, [{ event: step.event, instanceId, instanceName: member.name, since: step.next.since ?? prev?.since ?? at, at: now }]);
      await this.schedule();
    });
  }

  async status(): Promise<AlertInstanceState[]> {
    const cfg = await this.config();
    if (!cfg?.enabled) return [];
    const [watch, members] = [await this.watch(), (await this.storage.get<Members>("members"))?.list ?? []];
    return members.map((m) => {
      const w = watch[m.id];
      return { instanceId: m.id, name: m.name, state: w?.state ?? "ok", since: w?.since ? new Date(w.since).toISOString() : null };
    });
  }

  clear(): Promise<void> {
    return this.exclusive(async () => {
      await this.storage.deleteAlarm();
      await this.storage.deleteAll();
    });
  }

  /** The alarm: a due sample (metric: every 10 s; offline: the minute's sweep), graces that ended, deliveries due. */
  async alarm(): Promise<void> {
    await this.exclusive(async () => {
      const cfg = await this.config();
      if (!cfg?.enabled) return;
      const now = Date.now();
      const forMs = forMsOf(cfg.condition);
      if (((await this.storage.get<number>("nextSample")) ?? 0) <= now) {
        // Once a minute (with the target): an alert deleted behind the object's back (its owner
        // deleted, the rows cascading) leaves no object sampling forever.
        const cached = await this.storage.get<Members>("members");
        if ((!cached || now - cached.at >= MEMBERS_TTL_MS) && !(await alertExists(openDb(this.env.DB), cfg.id))) {
          await this.storage.deleteAlarm();
          await this.storage.deleteAll();
          return;
        }
        const members = await this.members(cfg, now, false);
        await this.sample(cfg, members.map((m) => m.id), now);
      } else {
        const watch = await this.watch();
        const ended = Object.entries(watch).filter(([, w]) => (graceEndsAt(w, forMs) ?? Infinity) <= now).map(([id]) => id);
        // A grace that ended is confirmed with the machine's state now before anything fires.
        if (ended.length) await this.sample(cfg, ended, now, false);
      }
    });
    await this.deliverDue();
    await this.exclusive(() => this.schedule());
  }

  /** The target's machines, resolved again when the copy is older than a minute (or when `force`). */
  private async members(cfg: AlertConfig, now: number, force: boolean): Promise<AlertMember[]> {
    const cached = await this.storage.get<Members>("members");
    if (cached && !force && now - cached.at < MEMBERS_TTL_MS) return cached.list;
    const list = await alertMembers(openDb(this.env.DB), cfg.ownerId, cfg.target);
    await this.storage.put("members", { list, at: now } satisfies Members);
    return list;
  }

  /** Looks at these machines' state now (their InstanceDO's `live()`) and steps each one. */
  private async sample(cfg: AlertConfig, ids: string[], now: number, full = true): Promise<void> {
    const members = (await this.storage.get<Members>("members"))?.list ?? [];
    const names = new Map(members.map((m) => [m.id, m.name]));
    const watch = await this.watch();
    // A machine no longer in the target is dropped from the watch, silently.
    for (const id of Object.keys(watch)) if (!names.has(id)) delete watch[id];
    const forMs = forMsOf(cfg.condition);
    const lives = await Promise.all(ids.filter((id) => names.has(id)).map(async (id) => ({ id, live: await this.env.INSTANCE.get(this.env.INSTANCE.idFromName(id)).live().catch(() => null) })));
    const events: AlertEvent[] = [];
    for (const { id, live } of lives) {
      const holds = live ? conditionHolds(cfg.condition, live, now) : null;
      const prev = watch[id];
      const step = observe(prev, holds, now, forMs);
      watch[id] = step.next;
      if (!step.event) continue;
      // A resolved's "since" is its firing's.
      const since = step.next.since ?? prev?.since ?? now;
      const value = live && "metric" in cfg.condition ? (metricPercent(live, cfg.condition.metric, now) ?? undefined) : undefined;
      events.push({ event: step.event, instanceId: id, instanceName: names.get(id) ?? null, since, at: now, value });
    }
    await this.storage.put("watch", watch);
    if (full) await this.storage.put("nextSample", now + ("offline" in cfg.condition ? OFFLINE_SWEEP_MS : METRIC_SAMPLE_MS));
    await this.emit(cfg, events);
  }

  /**
   * Firings and resolveds into the history, and one delivery per channel into the outbox (sent by
   * the alarm). A firing is checked first against the target resolved now, as its owner: one the
   * owner may no longer see is not sent.
   */
  private async emit(cfg: AlertConfig, events: AlertEvent[]): Promise<void> {
    if (events.length === 0) return;
    const now = Date.now();
    if (events.some((e) => e.event === "firing")) {
      const allowed = new Set((await this.members(cfg, now, true)).map((m) => m.id));
      events = events.filter((e) => e.event === "resolved" || allowed.has(e.instanceId));
    }
    const history: NewHistoryEntry[] = [];
    const outbox = await this.outbox();
    for (const e of events) {
      const eventId = `ahe_${randomToken(12)}`;
      const message = alertMessage(cfg, e, eventId);
      history.push({ id: eventId, at: message.at, alertId: cfg.id, ownerId: cfg.ownerId, kind: e.event, instanceId: e.instanceId, instanceName: e.instanceName, eventId: null, channel: null, attempt: null, detail: message.text });
      cfg.channels.forEach((_, channel) => outbox.push({ id: `adl_${randomToken(12)}`, eventId, channel, attempts: 0, nextAt: now, message }));
    }
    await this.storage.put("outbox", outbox);
    await recordHistory(openDb(this.env.DB), history);
  }

  /** Sends what is due, every channel at once; a failure waits for its retry, the fourth is given up on. */
  private async deliverDue(): Promise<void> {
    const picked = await this.exclusive(async () => {
      const cfg = await this.config();
      const outbox = await this.outbox();
      const now = Date.now();
      const due = outbox.filter((d) => d.nextAt <= now);
      if (!cfg || due.length === 0) return null;
      for (const d of due) d.nextAt = now + SENDING_LEASE_MS;
      await this.storage.put("outbox", outbox);
      return { cfg, due };
    });
    if (!picked) return;
    const { cfg, due } = picked;
    const db = openDb(this.env.DB);
    const deps = { config: loadConfig(this.env), db };
    const results = await Promise.all(due.map(async (d) => {
      const ch = cfg.channels[d.channel];
      return ch ? sendToChannel(ch, d.message, d.id, deps) : "the channel is gone";
    }));
    await this.exclusive(async () => {
      if (!(await this.config())) return; // cleared while sending
      const outbox = await this.outbox();
      const history: NewHistoryEntry[] = [];
      const now = Date.now();
      due.forEach((d, i) => {
        const at = outbox.findIndex((o) => o.id === d.id);
        if (at < 0) return;
        const error = results[i] ?? null;
        const attempt = d.attempts + 1;
        const ch = cfg.channels[d.channel];
        const kind = error === null ? "delivered" : attempt >= MAX_CHANNEL_ATTEMPTS ? "gave-up" : "failed";
        history.push({
          alertId: cfg.id, ownerId: cfg.ownerId, kind, instanceId: d.message.instance.id, instanceName: d.message.instance.name,
          eventId: d.eventId, channel: ch ? channelLabel(ch, d.channel) : `#${d.channel}`, attempt, detail: error,
        });
        if (kind === "failed") outbox[at] = { ...d, attempts: attempt, nextAt: now + RETRY_DELAYS_MS[attempt - 1]! };
        else outbox.splice(at, 1);
      });
      await this.storage.put("outbox", outbox);
      await recordHistory(db, history);
    });
  }

  /** The one alarm, at the earliest of: the next sample, a grace's end, a delivery's (re)try. */
  private async schedule(): Promise<void> {
    const cfg = await this.config();
    const times: number[] = (await this.outbox()).map((d) => d.nextAt);
    if (cfg?.enabled) {
      const next = await this.storage.get<number>("nextSample");
      if (next !== undefined) times.push(next);
      const forMs = forMsOf(cfg.condition);
      for (const w of Object.values(await this.watch())) {
        const end = graceEndsAt(w, forMs);
        if (end !== undefined) times.push(end);
      }
    }
    if (times.length) await this.storage.setAlarm(Math.max(Date.now() + 10, Math.min(...times)));
    else await this.storage.deleteAlarm();
  }
}
