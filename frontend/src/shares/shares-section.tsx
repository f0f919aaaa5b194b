import type { Instance } from "@anchorage/common";
import { useEffect, useRef, useState } from "preact/hooks";
import { Alert, Notice } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { ConfirmAction } from "../confirm-action.tsx";
import { formatDate } from "../format.ts";
import { StateBadge } from "../instances/labels.tsx";
import { describePermissions, granteeWords, shareState, type Share } from "./share-draft.ts";
import { ShareForm } from "./share-form.tsx";
import { listShares, revokeShare } from "./shares-api.ts";

interface SharesSectionProps {
  /** The instances list: names for ids, and the person's own instances to share. */
  instances: Instance[] | null;
  onExpired: () => void;
  /** 1 where the section is the page (its title is the page's <h1>). */
  level?: 1 | 2;
}

const lowerFirst = (t: string) => t.charAt(0).toLowerCase() + t.slice(1);

const When = ({ iso }: { iso: string }) => <time dateTime={iso}>{formatDate(iso)}</time>;

function Expiry({ s }: { s: Share }) {
  if (!s.expires_at) return <>No expiry</>;
  return Date.parse(s.expires_at) <= Date.now() ? (
    <>
      Expired <When iso={s.expires_at} />
    </>
  ) : (
    <>
      Expires <When iso={s.expires_at} />
    </>
  );
}

/**
 * Shares you gave (edit what they allow, their expiry, suspend them, revoke them after a
 * confirmation) and shares you received; a new share of one of your instances or all of them.
 */
export function SharesSection({ instances, onExpired, level = 2 }: SharesSectionProps) {
  const Heading = level === 1 ? "h1" : "h2";
  const [shares, setShares] = useState<{ given: Share[]; received: Share[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [editingId, setEditingId] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const newButtonRef = useRef<HTMLButtonElement>(null);
  const loadSeq = useRef(0);

  function fail(e: unknown, prefix: string) {
    if (e instanceof ApiError && e.status === 401) return onExpired();
    setError(`${prefix}: ${e instanceof Error ? e.message : "something went wrong."}`);
  }

  function load() {
    const n = ++loadSeq.current;
    listShares().then(
      (s) => {
        if (n !== loadSeq.current) return;
        setShares(s);
        setError(null);
      },
      (e: unknown) => n === loadSeq.current && fail(e, "Could not load shares"),
    );
  }
  useEffect(load, []);
  // An instance appearing or leaving the list may be a share given to you or taken back.
  const instanceKey = instances ? instances.map((i) => i.id).join(",") : null;
  const lastKey = useRef<string | null>(null);
  useEffect(() => {
    if (instanceKey === null) return;
    if (lastKey.current !== null && lastKey.current !== instanceKey) load();
    lastKey.current = instanceKey;
  }, [instanceKey]);

  const owned = instances?.filter((i) => i.relation === "owner") ?? [];
  const instanceWords = (s: Share, whose: "your" | "their") => {
    if (!s.instance_id) return `All ${whose} instances`;
    const name = instances?.find((i) => i.id === s.instance_id)?.name;
    return name ? `Instance “${name}”` : `Instance ${s.instance_id}`;
  };
  const granteeOf = granteeWords;

  function focusRowButton(id: string) {
    requestAnimationFrame(() => document.getElementById(`share-${id}-edit`)?.focus());
  }

  function created(s: Share) {
    setCreating(false);
    setNotice(`Shared ${lowerFirst(instanceWords(s, "your"))} with ${granteeOf(s)}.`);
    setShares((all) => all && { ...all, given: [s, ...all.given] });
    requestAnimationFrame(() => newButtonRef.current?.focus());
  }

  function saved(s: Share) {
    setEditingId(null);
    setShares((all) => all && { ...all, given: all.given.map((x) => (x.id === s.id ? s : x)) });
    setNotice("Share saved.");
    focusRowButton(s.id);
  }

  async function revoke(s: Share) {
    setBusyId(s.id);
    setError(null);
    setNotice(null);
    try {
      await revokeShare(s.id);
      setShares((all) => all && { ...all, given: all.given.filter((x) => x.id !== s.id) });
      setNotice(`Share with ${granteeOf(s)} revoked.`);
      headingRef.current?.focus();
    } catch (e) {
      fail(e, "Could not revoke the share");
    } finally {
      setBusyId(null);
    }
  }

  return (
    <section class="card" aria-labelledby="shares-title">
      <div class="section-head">
        <Heading id="shares-title" ref={headingRef} tabIndex={-1}>
          Shares
        </Heading>
        {!creating && owned.length > 0 && (
          <button type="button" ref={newButtonRef} onClick={() => (setNotice(null), setCreating(true))}>
            Share an instance
          </button>
        )}
      </div>
      {error && (
        <Alert>
          <p>{error}</p>
          {shares === null && (
            <button type="button" onClick={load}>
              Try again
            </button>
          )}
        </Alert>
      )}
      {notice && <Notice text={notice} />}
      {creating && (
        <ShareForm
          id="new-share"
          owned={owned}
          onSaved={created}
          onCancel={() => {
            setCreating(false);
            requestAnimationFrame(() => newButtonRef.current?.focus());
          }}
          onExpired={onExpired}
        />
      )}
      {shares === null ? (
        !error && <p class="muted">Loading shares…</p>
      ) : (
        <>
          <h3 id="shares-given-title">Shared by you</h3>
          {shares.given.length === 0 ? (
            <p class="muted">{owned.length ? "You have not shared anything yet." : "Anchor an instance to share it with others."}</p>
          ) : (
            <ul class="token-list" aria-labelledby="shares-given-title">
              {shares.given.map((s) => {
                const who = granteeOf(s);
                return (
                  <li key={s.id}>
                    {editingId === s.id ? (
                      <div class="session-main">
                        <ShareForm
                          id={`share-${s.id}-form`}
                          owned={owned}
                          original={s}
                          subject={`${who}, ${lowerFirst(instanceWords(s, "your"))}`}
                          onSaved={saved}
                          onCancel={() => {
                            setEditingId(null);
                            focusRowButton(s.id);
                          }}
                          onExpired={onExpired}
                        />
                      </div>
                    ) : (
                      <>
                        <div class="session-main">
                          <p class="action-line">
                            <span class="device">{who}</span>
                            <StateBadge {...shareState(s)} />
                          </p>
                          <p>
                            {instanceWords(s, "your")}: {describePermissions(s.permissions)}
                          </p>
                          <p class="muted">
                            Shared <When iso={s.created_at} /> · <Expiry s={s} />
                          </p>
                        </div>
                        <div class="button-row">
                          <button type="button" id={`share-${s.id}-edit`} onClick={() => (setNotice(null), setEditingId(s.id))} disabled={busyId === s.id}>
                            Edit<span class="visually-hidden"> share with {who}</span>
                          </button>
                          <ConfirmAction
                            label="Revoke"
                            busyLabel="Revoking…"
                            subject={`share with ${who}`}
                            question={`Revoke ${who}’s access to ${lowerFirst(instanceWords(s, "your"))}? It ends at once, open terminals included.`}
                            confirmLabel="Yes, revoke"
                            busy={busyId === s.id}
                            onConfirm={() => void revoke(s)}
                          />
                        </div>
                      </>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
          <h3 id="shares-received-title" class="subsection">
            Shared with you
          </h3>
          {shares.received.length === 0 ? (
            <p class="muted">Nobody has shared an instance with you.</p>
          ) : (
            <ul class="token-list" aria-labelledby="shares-received-title">
              {shares.received.map((s) => (
                <li key={s.id}>
                  <div class="session-main">
                    <p class="action-line">
                      <span class="device">
                        From {s.owner_email ?? s.owner_id}
                        {s.team_name !== undefined && `, through the team “${s.team_name}”`}
                      </span>
                      <StateBadge {...shareState(s)} />
                    </p>
                    <p>
                      {instanceWords(s, "their")}: {describePermissions(s.permissions)}
                    </p>
                    <p class="muted">
                      Since <When iso={s.created_at} /> · <Expiry s={s} />
                    </p>
                  </div>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
