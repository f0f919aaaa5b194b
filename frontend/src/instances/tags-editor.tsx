import { tagSchema, type Instance } from "@anchorage/common";
import { useState } from "preact/hooks";
import { ApiError, authed, request } from "../api.ts";
import { useAppData } from "../shell/app-data.tsx";
import { paths } from "../shell/routes.ts";

const setTags = (id: string, tags: string[]) => authed(() => request<Instance>("PATCH", `/api/cloud/instances/${encodeURIComponent(id)}`, { tags }));

/**
 * An instance's tags: each a link to the Instances page filtered by it. Whoever may manage the
 * instance adds and removes the owner's tags here; those the agent's config declares are shown
 * as such and stay until the config drops them.
 */
export function TagsEditor({ instance: i }: { instance: Instance }) {
  const { list, onExpired } = useAppData();
  const [draft, setDraft] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const canEdit = i.permissions.includes("manage:cloud_instance");
  const own = i.tags.filter((t) => !i.config_tags.includes(t));

  async function save(next: string[]) {
    setBusy(true);
    setError(null);
    try {
      await setTags(i.id, next);
      list.reload();
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) onExpired();
      else setError(e instanceof Error ? e.message : "Could not save the tags.");
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function add(e: Event) {
    e.preventDefault();
    const words = draft.trim().toLowerCase().split(/[\s,]+/).filter(Boolean);
    const bad = words.find((w) => !tagSchema.safeParse(w).success);
    if (bad) return setError(`"${bad}": a tag is 1 to 32 lowercase letters, digits or hyphens.`);
    const next = [...own, ...words.filter((w) => !i.tags.includes(w))];
    if (await save(next)) setDraft("");
  }

  return (
    <section class="stack tags-editor" aria-labelledby="tags-title">
      <h2 id="tags-title">Tags</h2>
      {i.tags.length === 0 ? (
        <p class="muted">No tags. Tags let you run a command on many machines at once, schedule it and alert on them.</p>
      ) : (
        <ul class="tag-list" aria-label={`Tags of ${i.name}`}>
          {i.tags.map((t) => (
            <li key={t} class="tag-chip">
              <a href={`${paths.instances}?tag=${encodeURIComponent(t)}`}>{t}</a>
              {i.config_tags.includes(t) ? (
                <span class="sub" title="Declared in the agent's config.yaml">config</span>
              ) : (
                canEdit && (
                  <button type="button" class="link" disabled={busy} aria-label={`Remove tag ${t}`} onClick={() => void save(own.filter((o) => o !== t))}>
                    ×
                  </button>
                )
              )}
            </li>
          ))}
        </ul>
      )}
      {canEdit && (
        <form class="inline-form" onSubmit={add}>
          <label for="tag-add">Add tags</label>
          <input id="tag-add" value={draft} placeholder="web, eu" autocomplete="off" aria-describedby={error ? "tag-error" : undefined} aria-invalid={error ? true : undefined} onInput={(e) => setDraft(e.currentTarget.value)} />
          <button type="submit" disabled={busy || !draft.trim()}>
            Add
          </button>
        </form>
      )}
      {error && (
        <p id="tag-error" class="bad" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
