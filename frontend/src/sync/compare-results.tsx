import type { CompareEntry, CompareResult } from "@anchorage/common";
import { useLayoutEffect, useRef } from "preact/hooks";
import { formatBytes, formatDate } from "../format.ts";
import { StateBadge } from "../instances/labels.tsx";
import { groupByStatus, groupChoice, isChoosable, statusWords, summaryWords, type CompareGroup } from "./compare-view.ts";

interface CompareResultsProps {
  result: CompareResult;
  chosen: ReadonlySet<string>;
  /** Removals may be chosen (the “also remove” box is ticked). */
  remove: boolean;
  disabled: boolean;
  onChoose: (paths: string[], on: boolean) => void;
}

/** Big groups of synced files start folded: they need no decision. */
const OPEN_SYNCED_UP_TO = 20;
/** A tree of 100,000 files is not drawn whole: each group lists this many, its “All” box still covers the rest. */
const SHOWN_PER_GROUP = 500;

const sideWords = (e: CompareEntry) => {
  const s = e.source ?? e.destination;
  if (!s) return "";
  return `${formatBytes(s.size)} · ${formatDate(new Date(s.mtime_ms).toISOString())}`;
};

/** A group's “all” box: ticked, unticked, or mixed when some of its files are chosen. */
function GroupBox({ group, chosen, disabled, onChoose }: { group: CompareGroup; chosen: ReadonlySet<string>; disabled: boolean; onChoose: CompareResultsProps["onChoose"] }) {
  const ref = useRef<HTMLInputElement>(null);
  const state = groupChoice(group, chosen);
  useLayoutEffect(() => {
    if (ref.current) ref.current.indeterminate = state === "some";
  }, [state]);
  const name = statusWords[group.status].group;
  return (
    <label class="check">
      <input
        type="checkbox"
        ref={ref}
        checked={state === "all"}
        disabled={disabled}
        onChange={(e) => onChoose(group.entries.map((x) => x.path), e.currentTarget.checked)}
      />
      All {group.entries.length}
      <span class="visually-hidden"> {name.toLowerCase()}</span>
    </label>
  );
}

/** The compare's files by status, each choosable one with a tick box; synced files listed as such. */
export function CompareResults({ result, chosen, remove, disabled, onChoose }: CompareResultsProps) {
  const groups = groupByStatus(result.files);
  return (
    <div class="stack compare-results">
      <p role="status">{summaryWords(result.summary)}</p>
      {groups.map((g) => {
        const words = statusWords[g.status];
        const choosable = isChoosable(g.status, remove);
        const titleId = `sync-group-${g.status}`;
        const list = (
          <ul class="file-list compare-list" aria-labelledby={titleId}>
            {g.entries.slice(0, SHOWN_PER_GROUP).map((e) => (
              <li key={e.path}>
                {choosable ? (
                  <label class="check file-path">
                    <input type="checkbox" checked={chosen.has(e.path)} disabled={disabled} onChange={(ev) => onChoose([e.path], ev.currentTarget.checked)} />
                    {e.path}
                  </label>
                ) : (
                  <span class="file-path">{e.path}</span>
                )}
                <span class="file-status">{sideWords(e)}</span>
                <StateBadge label={words.label} tone={words.tone} />
              </li>
            ))}
            {g.entries.length > SHOWN_PER_GROUP && (
              <li class="muted">
                {g.entries.length - SHOWN_PER_GROUP} more not listed{choosable ? "; the “All” box chooses them too." : "."}
              </li>
            )}
          </ul>
        );
        const head = (
          <>
            {words.group} ({g.entries.length})
          </>
        );
        if (g.status === "identical") {
          return (
            <details key={g.status} class="compare-group" open={g.entries.length <= OPEN_SYNCED_UP_TO}>
              <summary>
                <span id={titleId} class="compare-group-title">
                  {head}
                </span>
              </summary>
              {words.hint && <p class="hint">{words.hint}</p>}
              {list}
            </details>
          );
        }
        return (
          <section key={g.status} class="compare-group" aria-labelledby={titleId}>
            <div class="list-head">
              <h4 id={titleId} class={g.status === "destination_newer" ? "bad" : undefined}>
                {head}
              </h4>
              {choosable && g.entries.length > 1 && <GroupBox group={g} chosen={chosen} disabled={disabled} onChoose={onChoose} />}
            </div>
            {words.hint && <p class="hint">{words.hint}</p>}
            {list}
          </section>
        );
      })}
    </div>
  );
}
