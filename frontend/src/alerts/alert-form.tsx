import type { JSX } from "preact";
import { useState } from "preact/hooks";
import type { AlertChannel, AlertCondition } from "@anchorage/common/alerts";
import { ApiError } from "../api.ts";
import { Field } from "../field.tsx";
import { OneTimeSecret } from "../one-time-secret.tsx";
import { FailureAlert } from "../tokens/failure-alert.tsx";
import { localFailure, toFormFailure, type FormFailure } from "../tokens/form-failure.ts";
import { useAppData } from "../shell/app-data.tsx";
import { createAlert, type AlertView } from "./alerts-api.ts";

/** The form's channel inputs, in the order their channels are sent. */
const CHANNEL_INPUTS = [
  { name: "webhook", label: "Webhook address", hint: "Signed like your webhooks (X-Anchorage-Signature); the secret is shown once." },
  { name: "slack", label: "Slack incoming-webhook address" },
  { name: "discord", label: "Discord webhook address" },
  { name: "email", label: "Email address" },
] as const;

/**
 * A new alert: a name, the machines (a tag, or some of yours), the condition and where to send
 * messages. A webhook channel's signing secret is shown once, after creation.
 */
export function AlertForm({ onCreated }: { onCreated: (a: AlertView) => void }) {
  const { list, onExpired } = useAppData();
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const [busy, setBusy] = useState(false);
  const [by, setBy] = useState<"tag" | "instances">("tag");
  const [kind, setKind] = useState<"offline" | "cpu" | "memory" | "disk">("offline");
  const [secret, setSecret] = useState<string | null>(null);

  async function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const text = (k: string) => String(data.get(k) ?? "").trim();
    const channels: AlertChannel[] = [];
    const sentFields: string[] = [];
    for (const c of CHANNEL_INPUTS) {
      const v = text(c.name);
      if (!v) continue;
      channels.push(c.name === "email" ? { type: "email", to: v } : { type: c.name, url: v });
      sentFields.push(c.name);
    }
    if (channels.length === 0) return setFailure((last) => ({ ...localFailure("Name at least one channel.", last), fields: { channels: "Fill in at least one of these." } }));
    const ids = data.getAll("instance").map(String);
    if (by === "instances" && ids.length === 0) return setFailure((last) => ({ ...localFailure("Choose at least one machine.", last), fields: { instances: "Choose at least one." } }));
    const forSeconds = Number(text("forSeconds"));
    const condition: AlertCondition = kind === "offline" ? { offline: { forSeconds } } : { metric: kind, above: Number(text("above")), forSeconds };
    setBusy(true);
    try {
      const created = await createAlert({ name: text("name"), target: by === "tag" ? { tag: text("tag") } : { instanceIds: ids }, condition, channels });
      setFailure(null);
      form.reset();
      const hook = created.channels.find((c) => "secret" in c && c.secret);
      setSecret(hook && "secret" in hook ? (hook.secret ?? null) : null);
      onCreated(created);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return onExpired();
      // The server names a channel by its place in the list that was sent: back to its input.
      const mapped = err instanceof ApiError ? new ApiError(err.status, err.code, err.message,
        err.fields.map((f) => {
          const m = /^channels\.(\d+)/.exec(f.path);
          if (m) return { ...f, path: sentFields[Number(m[1])] ?? "channels" };
          if (f.path.startsWith("target.")) return { ...f, path: f.path === "target.tag" ? "tag" : "instances" };
          if (f.path.startsWith("condition.")) return { ...f, path: f.path.endsWith("above") ? "above" : "forSeconds" };
          return f;
        }), err.methods) : err;
      setFailure((last) => toFormFailure(mapped, ["name", "tag", "instances", "above", "forSeconds", "channels", ...CHANNEL_INPUTS.map((c) => c.name)], (last?.attempt ?? 0) + 1));
    } finally {
      setBusy(false);
    }
  }

  if (secret) {
    return (
      <OneTimeSecret id="alert-secret" title="Alert created" label="Webhook signing secret" value={secret} onDone={() => setSecret(null)}>
        <p>
          <strong>Copy it now: you will not see this secret again.</strong> Check each message's <code>X-Anchorage-Signature</code> with it.
        </p>
      </OneTimeSecret>
    );
  }

  const err = failure?.fields ?? {};
  return (
    <form class="card stack" onSubmit={submit} aria-labelledby="alert-form-title">
      <h2 id="alert-form-title">New alert</h2>
      {failure && <FailureAlert key={failure.attempt} failure={failure} />}
      <Field id="alert-name" name="name" label="Name" required maxLength={100} error={err.name} />

      <fieldset class="stack-tight">
        <legend>Machines</legend>
        <label class="check">
          <input type="radio" name="by" value="tag" checked={by === "tag"} onChange={() => setBy("tag")} /> Every machine with a tag (machines tagged later count too)
        </label>
        <label class="check">
          <input type="radio" name="by" value="instances" checked={by === "instances"} onChange={() => setBy("instances")} /> These machines
        </label>
        {by === "tag" ? (
          <Field id="alert-tag" name="tag" label="Tag" required maxLength={32} hint="Lowercase letters, digits and hyphens." error={err.tag} />
        ) : (
          <fieldset class="stack-tight" aria-describedby={err.instances ? "alert-instances-error" : undefined}>
            <legend>Machines to watch</legend>
            {(list.instances ?? []).length === 0 && <p class="muted">You have no machines yet.</p>}
            {(list.instances ?? []).map((i) => (
              <label class="check" key={i.id}>
                <input type="checkbox" name="instance" value={i.id} /> {i.name}
              </label>
            ))}
            {err.instances && <p id="alert-instances-error" class="field-error">{err.instances}</p>}
          </fieldset>
        )}
      </fieldset>

      <fieldset class="stack-tight">
        <legend>Condition</legend>
        <div class="field">
          <label for="alert-kind">When a machine is</label>
          <select id="alert-kind" name="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as typeof kind)}>
            <option value="offline">offline</option>
            <option value="cpu">above a CPU use</option>
            <option value="memory">above a memory use</option>
            <option value="disk">above a disk use</option>
          </select>
        </div>
        {kind !== "offline" && <NumberField id="alert-above" name="above" label="Above (percent)" min={0} max={100} defaultValue="90" step="any" error={err.above} />}
        <NumberField id="alert-for" name="forSeconds" label="For at least (seconds)" min={0} max={604800} defaultValue={kind === "offline" ? "60" : "300"}
          hint="A shorter flap sends nothing." error={err.forSeconds} />
      </fieldset>

      <fieldset class="stack-tight" aria-describedby={err.channels ? "alert-channels-error" : "alert-channels-hint"}>
        <legend>Send to</legend>
        <p id="alert-channels-hint" class="hint">One message when a machine starts firing, one when it is resolved. Fill in at least one.</p>
        {err.channels && <p id="alert-channels-error" class="field-error">{err.channels}</p>}
        {CHANNEL_INPUTS.map((c) => (
          <Field key={c.name} id={`alert-${c.name}`} name={c.name} label={c.label} type={c.name === "email" ? "email" : "text"} maxLength={2048}
            hint={"hint" in c ? c.hint : undefined} error={err[c.name]} />
        ))}
      </fieldset>
      <button type="submit" class="primary align-start" disabled={busy}>
        {busy ? "Creating…" : "Create alert"}
      </button>
    </form>
  );
}

function NumberField(p: { id: string; name: string; label: string; min: number; max: number; defaultValue: string; step?: string; hint?: string; error?: string }) {
  const described = [p.hint && `${p.id}-hint`, p.error && `${p.id}-error`].filter(Boolean).join(" ") || undefined;
  return (
    <div class="field">
      <label for={p.id}>{p.label}</label>
      {p.hint && <p id={`${p.id}-hint`} class="hint">{p.hint}</p>}
      <input id={p.id} name={p.name} type="number" inputMode="numeric" required min={p.min} max={p.max} step={p.step ?? 1} defaultValue={p.defaultValue}
        aria-invalid={p.error ? "true" : undefined} aria-describedby={described} />
      {p.error && <p id={`${p.id}-error`} class="field-error">{p.error}</p>}
    </div>
  );
}
