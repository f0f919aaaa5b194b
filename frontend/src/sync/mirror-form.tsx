import type { Instance, Mirror, MirrorDirection } from "@anchorage/common";
import { useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { Field } from "../field.tsx";
import { useFocusOnMount } from "../focus.ts";
import type { SyncRequest } from "./compare-view.ts";
import { INTERVAL_CHOICES, mirrorSaveBody } from "./mirror-view.ts";
import { MIRROR_DEFAULT_INTERVAL_SECONDS } from "@anchorage/common/sync/mirror-state";
import { saveMirror } from "./mirrors-api.ts";

interface MirrorFormProps {
  /** The two folders chosen on the screen, with its options (exclusions, removals). */
  request: SyncRequest;
  instances: Instance[];
  onSaved: (m: Mirror) => void;
  onCancel: () => void;
  onExpired: () => void;
}

/** A new mirror of the folders chosen above: its name, which side lists it, how often it is checked, and whether it syncs by itself. */
export function MirrorForm({ request, instances, onSaved, onCancel, onExpired }: MirrorFormProps) {
  const [direction, setDirection] = useState<MirrorDirection>("push");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [nameError, setNameError] = useState<string | undefined>(undefined);
  const headingRef = useFocusOnMount<HTMLHeadingElement>(true);
  const nameOf = (id: string) => instances.find((i) => i.id === id)?.name ?? id;

  async function submit(e: Event) {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    setNameError(undefined);
    try {
      const body = mirrorSaveBody(request, {
        name: String(data.get("name") ?? ""),
        direction,
        intervalSeconds: Number(data.get("interval")),
        autoSync: data.get("autoSync") === "on",
      });
      onSaved(await saveMirror(direction, body));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return onExpired();
      const fields = err instanceof ApiError ? err.fields : [];
      setNameError(fields.find((f) => f.path === "name")?.message);
      const others = fields.filter((f) => f.path !== "name").map((f) => `${f.path}: ${f.message}`);
      setError(`Could not save the mirror: ${err instanceof Error ? err.message : "something went wrong."}${others.length ? ` (${others.join("; ")})` : ""}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="stack-tight mirror-form" aria-labelledby="mirror-form-title" onSubmit={submit} onKeyDown={(e) => e.key === "Escape" && onCancel()}>
      <h3 id="mirror-form-title" ref={headingRef} tabIndex={-1}>
        New mirror
      </h3>
      <p>
        <code>
          {nameOf(request.sourceInstanceId)}:{request.sourcePath}
        </code>{" "}
        →{" "}
        <code>
          {nameOf(request.destinationInstanceId)}:{request.targetPath}
        </code>
      </p>
      <p class="hint">
        The folders chosen above, with their exclusions{request.options.delete ? "; it also removes files only on the destination (into its backup folder)" : ""}.
      </p>
      <Field id="mirror-name" name="name" label="Name" maxLength={120} hint="Shown in the list; left blank, the two paths." error={nameError} />
      <fieldset class="stack-tight">
        <legend>Listed on</legend>
        <label class="check">
          <input type="radio" name="direction" value="push" checked={direction === "push"} onChange={() => setDirection("push")} />
          The source's side (push mirror)
        </label>
        <label class="check">
          <input type="radio" name="direction" value="pull" checked={direction === "pull"} onChange={() => setDirection("pull")} />
          The destination's side (pull mirror)
        </label>
      </fieldset>
      <div class="field">
        <label for="mirror-interval">How often to check</label>
        <select id="mirror-interval" name="interval" class="short-input">
          {INTERVAL_CHOICES.map((c) => (
            <option key={c.seconds} value={c.seconds} selected={c.seconds === MIRROR_DEFAULT_INTERVAL_SECONDS}>
              {c.label}
            </option>
          ))}
        </select>
      </div>
      <label class="check">
        <input type="checkbox" name="autoSync" />
        Sync by itself when a check finds something to send
      </label>
      {error && <Alert>{error}</Alert>}
      <div class="button-row">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Saving…" : "Save mirror"}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
