import { Alert } from "../alert.tsx";
import { formatBytes, formatDuration } from "../format.ts";
import { StateBadge } from "../instances/labels.tsx";
import type { Tone } from "../tone.ts";
import { fileStates, fileStateWords, percentDone, rateAndEta, type FileState, type RunState, type SyncProgress } from "./sync-progress.ts";

const runWords: Record<RunState, { label: string; tone: Tone }> = {
  running: { label: "Syncing", tone: "neutral" },
  done: { label: "Done", tone: "ok" },
  failed: { label: "Failed", tone: "bad" },
  cancelled: { label: "Cancelled", tone: "bad" },
};

const fileTone: Record<FileState, Tone> = { pending: "neutral", done: "ok", failed: "bad", skipped: "neutral", unreported: "neutral", cancelled: "bad" };

/** Long lists are not drawn whole; the counts above still cover every file. */
const SHOWN_FILES = 500;

interface SyncProgressViewProps {
  progress: SyncProgress;
  onCancel: () => void;
  onClose: () => void;
}

/** A sync under way or ended: the overall bar (files, bytes, rate, time left) and each chosen file's state. */
export function SyncProgressView({ progress: p, onCancel, onClose }: SyncProgressViewProps) {
  const pct = percentDone(p);
  const { bytesPerSecond, etaMs } = rateAndEta(p);
  const files = fileStates(p);
  const run = runWords[p.state];
  const facts = [
    `${p.files.done} of ${p.files.total} files`,
    `${formatBytes(p.bytes.downloaded)} of ${formatBytes(p.bytes.total)}`,
    ...(bytesPerSecond !== null ? [`${formatBytes(bytesPerSecond)}/s`] : []),
    ...(etaMs !== null ? [`about ${formatDuration(etaMs)} left`] : []),
    ...(p.bytes.uploaded < p.bytes.downloaded ? [`${formatBytes(p.bytes.uploaded)} uploaded (the rest was already stored)`] : []),
  ];
  return (
    <section class="sync-progress stack-tight" aria-labelledby="sync-progress-title">
      <div class="list-head">
        <h3 id="sync-progress-title">
          Sync progress <StateBadge label={run.label} tone={run.tone} />
        </h3>
        {p.state === "running" ? (
          <button type="button" class="danger" onClick={onCancel}>
            Cancel sync
          </button>
        ) : (
          <button type="button" onClick={onClose}>
            Close<span class="visually-hidden"> sync progress</span>
          </button>
        )}
      </div>
      <progress id="sync-progress-bar" max={100} value={pct} aria-labelledby="sync-progress-title" aria-describedby="sync-progress-facts">
        {pct}%
      </progress>
      <p id="sync-progress-facts" class="muted" aria-live="polite">
        {pct}% · {facts.join(" · ")}
      </p>
      {p.state === "failed" && <Alert>{`The sync failed: ${p.error ?? "no reason given"}. Run it again: finished files are skipped and stored chunks are not sent again.`}</Alert>}
      <ul class="file-list sync-files" aria-label="Files in this sync">
        {files.slice(0, SHOWN_FILES).map((f) => (
          <li key={f.path} data-state={f.state}>
            <span class="file-path">{f.path}</span>
            <span class="file-status">{f.action === "remove" ? "remove" : formatBytes(f.size)}</span>
            <StateBadge label={fileStateWords[f.state]} tone={fileTone[f.state]} />
          </li>
        ))}
        {files.length > SHOWN_FILES && <li class="muted">{files.length - SHOWN_FILES} more not listed.</li>}
      </ul>
    </section>
  );
}
