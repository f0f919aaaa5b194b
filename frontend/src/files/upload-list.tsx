import { formatBytes } from "../format.ts";
import type { Upload, UploadState } from "./use-uploads.ts";

const WORDS: Record<UploadState, string> = {
  waiting: "Waiting",
  sending: "Sending",
  uploaded: "Uploaded",
  replaced: "Replaced",
  exists: "Already there",
  refused: "Refused",
  failed: "Failed",
  skipped: "Kept the existing file",
};

const finished = (u: Upload) => u.state !== "waiting" && u.state !== "sending" && u.state !== "exists";

interface UploadListProps {
  uploads: Upload[];
  onReplace: (id: number) => void;
  onKeep: (id: number) => void;
  onClear: () => void;
}

/** Each upload with its progress and result; a file already there asks Replace or Keep in its row. */
export function UploadList({ uploads, onReplace, onKeep, onClear }: UploadListProps) {
  if (uploads.length === 0) return null;
  const done = uploads.filter((u) => u.state === "uploaded" || u.state === "replaced").length;
  const asking = uploads.filter((u) => u.state === "exists").length;
  return (
    <section class="files-uploads stack-tight" aria-labelledby="files-uploads-title">
      <div class="section-head">
        <h3 id="files-uploads-title">Uploads</h3>
        {uploads.some(finished) && (
          <button type="button" onClick={onClear}>
            Clear finished
          </button>
        )}
      </div>
      <p role="status" class="muted">
        {done} of {uploads.length} uploaded{asking ? `, ${asking} waiting for your answer` : ""}.
      </p>
      <ul class="file-list files-upload-list">
        {uploads.map((u) => (
          <li key={u.id} data-state={u.state}>
            <span class="file-path">{u.name}</span>
            <span class="file-status">{formatBytes(u.size)}</span>
            {u.state === "sending" && (
              <progress max={u.size || 1} value={u.sent} aria-label={`Upload of ${u.name}`}>
                {Math.round((u.sent / (u.size || 1)) * 100)}%
              </progress>
            )}
            <span class={u.state === "failed" || u.state === "refused" ? "bad" : u.state === "uploaded" || u.state === "replaced" ? "ok" : "file-status"}>
              {WORDS[u.state]}
              {u.message ? `: ${u.message}` : ""}
            </span>
            {u.state === "exists" && (
              <span class="files-upload-ask">
                <span>{u.name} already exists in this folder. Replace it?</span>
                <span class="button-row">
                  <button type="button" class="danger" onClick={() => onReplace(u.id)}>
                    Replace<span class="visually-hidden"> {u.name}</span>
                  </button>
                  <button type="button" onClick={() => onKeep(u.id)}>
                    Keep the existing one<span class="visually-hidden"> ({u.name})</span>
                  </button>
                </span>
              </span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
