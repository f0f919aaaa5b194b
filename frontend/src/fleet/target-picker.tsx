import type { FleetTarget, Instance } from "@anchorage/common";

export type TargetChoice = { kind: "tag"; tag: string } | { kind: "instances"; ids: string[] };

export const targetOf = (c: TargetChoice): FleetTarget | null =>
  c.kind === "tag" ? (c.tag ? { tag: c.tag } : null) : c.ids.length ? { instanceIds: c.ids } : null;

/** Where a run or schedule goes: every instance with a tag, or instances chosen one by one. */
export function TargetPicker({ idPrefix, instances, value, onChange }: { idPrefix: string; instances: Instance[]; value: TargetChoice; onChange: (c: TargetChoice) => void }) {
  const tags = [...new Set(instances.flatMap((i) => i.tags))].sort();
  return (
    <fieldset class="stack-tight">
      <legend>Target</legend>
      <div class="button-row" role="radiogroup" aria-label="Target kind">
        <label>
          <input type="radio" name={`${idPrefix}-kind`} checked={value.kind === "tag"} onChange={() => onChange({ kind: "tag", tag: tags[0] ?? "" })} /> A tag
        </label>
        <label>
          <input type="radio" name={`${idPrefix}-kind`} checked={value.kind === "instances"} onChange={() => onChange({ kind: "instances", ids: [] })} /> Chosen instances
        </label>
      </div>
      {value.kind === "tag" ? (
        <div class="field">
          <label for={`${idPrefix}-tag`}>Tag</label>
          <input id={`${idPrefix}-tag`} list={`${idPrefix}-tags`} value={value.tag} required pattern="[a-z0-9-]{1,32}" onInput={(e) => onChange({ kind: "tag", tag: e.currentTarget.value.trim() })} />
          <datalist id={`${idPrefix}-tags`}>
            {tags.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
        </div>
      ) : (
        <fieldset class="stack-tight">
          <legend>Instances</legend>
          {instances.length === 0 && <p class="muted">No instances yet.</p>}
          {instances.map((i) => (
            <label key={i.id}>
              <input
                type="checkbox"
                checked={value.ids.includes(i.id)}
                onChange={(e) => onChange({ kind: "instances", ids: e.currentTarget.checked ? [...value.ids, i.id] : value.ids.filter((x) => x !== i.id) })}
              />{" "}
              {i.name} <span class="muted">({i.status})</span>
            </label>
          ))}
        </fieldset>
      )}
    </fieldset>
  );
}
