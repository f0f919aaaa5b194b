import type { Instance, TerminalSession } from "@anchorage/common";
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { formatBytes, formatDate, formatDuration } from "../format.ts";
import { StateBadge } from "../instances/labels.tsx";
import { useHubListener, type Hub } from "../instances/use-events.ts";
import { listShares } from "../shares/shares-api.ts";
import { parseCast, type Cast } from "./asciicast.ts";
import { fetchRecording, listTerminalSessions, recordingPath } from "./recordings-api.ts";
import { canFetchRecording, recordingFileName, sessionEnd, sessionUser } from "./session-words.ts";

type PlayerModule = typeof import("./cast-player.tsx");
let playerModule: Promise<PlayerModule> | null = null;
/** The player brings xterm: fetched the first time a recording is played. */
function loadPlayer(): Promise<PlayerModule> {
  playerModule ??= import("./cast-player.tsx").catch((e: unknown) => {
    playerModule = null;
    throw e;
  });
  return playerModule;
}

const SHOWN = 10;
/** How often, at most, a running recorded session's size is fetched again while it has output. */
const RECORDING_REFRESH_MS = 5_000;

interface Playing {
  session: TerminalSession;
  cast: Cast;
  Player: PlayerModule["CastPlayer"];
}

/**
 * Terminal sessions on an instance, newest first (all of them for its owner and admins, your own
 * otherwise): who, when, how each ended, and for the owner and admins its recording to download
 * or replay. Kept current by the event socket: a session starting or ending fetches the list again.
 */
export function TerminalSessions({ instance, hub, onExpired }: { instance: Instance; hub: Hub; onExpired: () => void }) {
  const [sessions, setSessions] = useState<TerminalSession[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [showAll, setShowAll] = useState(false);
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  const [busyId, setBusyId] = useState<string | null>(null);
  const [playing, setPlaying] = useState<Playing | null>(null);
  const loadSeq = useRef(0);
  const refetchedFor = useRef(new Set<string>());
  const mayManage = instance.permissions.includes("manage:cloud_instance");
  // The owner is the one person whose id this page knows without asking.
  const me = instance.relation === "owner" ? instance.owner_id : null;
  const titleId = `terminal-sessions-${instance.id}-title`;

  function fail(e: unknown, prefix: string) {
    if (e instanceof ApiError && e.status === 401) return onExpired();
    setError(`${prefix}: ${e instanceof Error ? e.message : "something went wrong."}`);
  }

  function load() {
    const n = ++loadSeq.current;
    listTerminalSessions(instance.id).then(
      (list) => {
        if (n !== loadSeq.current) return;
        setSessions(list);
        setError(null);
      },
      (e: unknown) => n === loadSeq.current && fail(e, "Could not load terminal sessions"),
    );
  }

  useEffect(() => {
    load();
    // Who the other people are: the owner sees sharees' sessions, and knows their emails from the shares given.
    if (instance.relation === "owner")
      listShares().then(
        (s) => setNames(new Map(s.given.flatMap((g) => (g.grantee_id && g.grantee_email ? [[g.grantee_id, g.grantee_email] as const] : [])))),
        () => {}, // only names: ids are shown instead
      );
  }, []);
  useEffect(() => {
    if (hub.connection > 1) load();
  }, [hub.connection]);

  // A recorded session that runs grows its recording: its size (and so its download) is fetched
  // again as output comes, at most every RECORDING_REFRESH_MS.
  const lastGrowthLoad = useRef(0);
  useHubListener(hub, (e) => {
    if (e.instanceId !== instance.id) return;
    if (e.type === "cloud:tty-exit") load();
    else if (e.type === "cloud:tty-data" && mayManage && sessions?.some((s) => s.id === e.sessionId && s.recorded && !s.ended_at)) {
      if (Date.now() - lastGrowthLoad.current < RECORDING_REFRESH_MS) return;
      lastGrowthLoad.current = Date.now();
      // After the recorder's next write (it writes every 2 s), not before it.
      setTimeout(load, 2_500);
    }
    // Output of a session not in the list: one just started.
    else if (e.type === "cloud:tty-data" && sessions && !sessions.some((s) => s.id === e.sessionId) && !refetchedFor.current.has(e.sessionId)) {
      refetchedFor.current.add(e.sessionId);
      load();
    }
  });

  /** Saves the recording through a fetch, so an expired access cookie is refreshed first rather than downloading an error. */
  async function download(e: JSX.TargetedMouseEvent<HTMLAnchorElement>, s: TerminalSession) {
    e.preventDefault();
    setBusyId(s.id);
    setError(null);
    try {
      const text = await fetchRecording(s.id);
      const url = URL.createObjectURL(new Blob([text], { type: "application/x-asciicast" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = recordingFileName(s);
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (err) {
      fail(err, "Could not download the recording");
    } finally {
      setBusyId(null);
    }
  }

  async function play(s: TerminalSession) {
    setBusyId(s.id);
    setError(null);
    try {
      const [text, mod] = await Promise.all([fetchRecording(s.id), loadPlayer()]);
      setPlaying({ session: s, cast: parseCast(text), Player: mod.CastPlayer });
    } catch (err) {
      fail(err, "Could not play the recording");
    } finally {
      setBusyId(null);
    }
  }

  function closePlayer() {
    const id = playing?.session.id;
    setPlaying(null);
    if (id) requestAnimationFrame(() => document.getElementById(`tty-${id}-play`)?.focus());
  }

  const list = sessions && (showAll ? sessions : sessions.slice(0, SHOWN));
  return (
    <section aria-labelledby={titleId}>
      <h2 id={titleId}>Terminal sessions</h2>
      {error && <Alert>{error}</Alert>}
      {list === null ? (
        !error && <p class="muted">Loading terminal sessions…</p>
      ) : list.length === 0 ? (
        <p class="muted">{mayManage ? "No terminal has been opened here yet." : "You have not opened a terminal here yet."}</p>
      ) : (
        <>
          <ul class="actions-list">
            {list.map((s) => {
              const end = sessionEnd(s);
              const who = sessionUser(s.user_id, me, names);
              const took = s.ended_at ? formatDuration(Date.parse(s.ended_at) - Date.parse(s.started_at)) : null;
              return (
                <li key={s.id}>
                  <p class="action-line">
                    <span class="device">{who}</span>
                    <code>{s.shell}</code>
                    <StateBadge label={end.label} tone={end.tone} />
                  </p>
                  <p class="muted">
                    Started <time dateTime={s.started_at}>{formatDate(s.started_at)}</time>
                    {s.ended_at && (
                      <>
                        {" "}
                        · ended <time dateTime={s.ended_at}>{formatDate(s.ended_at)}</time> ({took})
                      </>
                    )}{" "}
                    · {end.detail}
                  </p>
                  {canFetchRecording(s, mayManage) ? (
                    <p class="button-row">
                      <a class="button" href={recordingPath(s.id)} download={recordingFileName(s)} onClick={(e) => download(e, s)} aria-disabled={busyId === s.id ? "true" : undefined}>
                        Download recording<span class="visually-hidden"> of {who}’s session, {formatDate(s.started_at)}</span>
                      </a>
                      <span class="muted">{formatBytes(s.recording_bytes)}, asciicast v2</span>
                      <button type="button" id={`tty-${s.id}-play`} onClick={() => play(s)} disabled={busyId === s.id}>
                        {busyId === s.id ? "Loading…" : "Play"}
                        <span class="visually-hidden"> recording of {who}’s session, {formatDate(s.started_at)}</span>
                      </button>
                    </p>
                  ) : (
                    mayManage && <p class="muted">{s.recorded && !s.ended_at ? "Recording: the download appears once its first part is stored." : s.recorded ? "Recorded, but nothing of it is stored." : "Not recorded."}</p>
                  )}
                  {playing?.session.id === s.id && (
                    <playing.Player key={s.id} cast={playing.cast} label={`Recording of ${who}’s session, ${formatDate(s.started_at)}`} onClose={closePlayer} />
                  )}
                </li>
              );
            })}
          </ul>
          {sessions!.length > SHOWN && (
            <button type="button" class="link" onClick={() => setShowAll(!showAll)}>
              {showAll ? `Show the latest ${SHOWN}` : `Show all ${sessions!.length}`}
            </button>
          )}
        </>
      )}
    </section>
  );
}
