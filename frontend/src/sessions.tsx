import { useState } from "preact/hooks";
import type { ApiTokenBrief, McpGrant, SessionInfo, SignOutExtra } from "@anchorage/common";
import { Alert, Notice } from "./alert.tsx";
import { ApiError } from "./api-error.ts";
import { listSignedIn, revokeMcpGrant, revokeSession, signOutEverywhere } from "./api.ts";
import { revokeToken } from "./tokens/tokens-api.ts";
import { useListActions } from "./use-list-actions.ts";
import { formatDate } from "./format.ts";

const device = (s: SessionInfo) => s.user_agent || "Unknown device";

/** One row per thing signed in as you: a session, an MCP client or an API token. */
type SignedInRow = { kind: "session"; id: string; session: SessionInfo } | { kind: "mcp"; id: string; grant: McpGrant } | { kind: "token"; id: string; token: ApiTokenBrief };

const loadRows = async (): Promise<SignedInRow[]> => {
  const all = await listSignedIn();
  return [
    ...all.sessions.map((session) => ({ kind: "session" as const, id: `s:${session.id}`, session })),
    ...all.mcp_grants.map((grant) => ({ kind: "mcp" as const, id: `m:${grant.id}`, grant })),
    ...all.api_tokens.map((token) => ({ kind: "token" as const, id: `t:${token.id}`, token })),
  ];
};

/**
 * Everything signed in as you — browser sessions, MCP clients, API tokens — each revocable, and
 * "sign out everywhere", which can take the MCP clients and tokens with it (a sign-out that left
 * a 31-day MCP grant working would not be one).
 */
export function Sessions({ onExpired }: { onExpired: () => void }) {
  const { items, setItems, error, notice, busyId, act } = useListActions(loadRows, onExpired);
  const drop = (id: string) => setItems((list) => list?.filter((x) => x.id !== id) ?? null);

  const revoke = (row: SignedInRow) =>
    act(row.id, async () => {
      if (row.kind === "session") await revokeSession(row.session.id);
      else if (row.kind === "mcp") await revokeMcpGrant(row.grant.id);
      else await revokeToken(row.token.id);
      drop(row.id);
      // An MCP client acts with its own API token: revoking the grant ends that token too.
      if (row.kind === "mcp" && row.grant.token_id) drop(`t:${row.grant.token_id}`);
      return row.kind === "session" ? `Session on ${device(row.session)} revoked.` : row.kind === "mcp" ? `${row.grant.client_name} disconnected.` : `Token ${row.token.name} revoked.`;
    });

  const sessions = items?.filter((r) => r.kind === "session") ?? [];
  const grants = items?.filter((r) => r.kind === "mcp") ?? [];
  const tokens = items?.filter((r) => r.kind === "token") ?? [];

  return (
    <section class="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Your sessions</h2>
      {error && <Alert>{error}</Alert>}
      {notice && <Notice text={notice} />}
      {items === null ? (
        !error && <p class="muted">Loading sessions…</p>
      ) : (
        <>
          <h3>Browsers and terminals</h3>
          {sessions.length === 0 ? <p class="muted">No live sessions.</p> : <RowList rows={sessions} busyId={busyId} onRevoke={revoke} />}
          <h3>MCP clients</h3>
          {grants.length === 0 ? <p class="muted">No MCP client has access.</p> : <RowList rows={grants} busyId={busyId} onRevoke={revoke} />}
          <h3>Tokens for scripts</h3>
          {tokens.length === 0 ? <p class="muted">No API tokens.</p> : <RowList rows={tokens} busyId={busyId} onRevoke={revoke} />}
        </>
      )}
      <SignOutEverywhere onSignedOut={onExpired} />
    </section>
  );
}

function RowList({ rows, busyId, onRevoke }: { rows: SignedInRow[]; busyId: string | null; onRevoke: (r: SignedInRow) => void }) {
  return (
    <ul class="sessions">
      {rows.map((row) => {
        const current = row.kind === "session" && row.session.current;
        const [title, detail, label] = describe(row);
        return (
          <li key={row.id}>
            <div class="session-main">
              <p class="device">
                {title}
                {current && <span class="badge">This session</span>}
              </p>
              <p class="muted">{detail}</p>
            </div>
            {!current && (
              <button type="button" class="danger" onClick={() => onRevoke(row)} disabled={busyId === row.id}>
                {busyId === row.id ? "Revoking…" : row.kind === "mcp" ? "Disconnect" : "Revoke"}
                <span class="visually-hidden"> {label}</span>
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}

const when = (iso: string) => <time dateTime={iso}>{formatDate(iso)}</time>;

/** A row's title, its line of detail, and the words that tell its button from the others'. */
function describe(row: SignedInRow) {
  if (row.kind === "session") {
    const s = row.session;
    return [
      device(s),
      <>
        Signed in {when(s.created_at)} via {s.provider} · Last used {when(s.last_used_at)}
        {s.ip && <> · IP {s.ip}</>}
      </>,
      `session on ${device(s)}, last used ${formatDate(s.last_used_at)}`,
    ] as const;
  }
  if (row.kind === "mcp") {
    const g = row.grant;
    return [g.client_name, <>Allowed {when(g.created_at)}{g.expires_at && <> · until {when(g.expires_at)}</>}</>, `MCP client ${g.client_name}`] as const;
  }
  const t = row.token;
  return [
    t.name,
    <>
      Made {when(t.created_at)} · {t.last_used_at ? <>Last used {when(t.last_used_at)}</> : "Never used"}
      {t.expires_at && <> · expires {when(t.expires_at)}</>}
    </>,
    `API token ${t.name}`,
  ] as const;
}

/** Ends every session, this one too; the two boxes take MCP clients and API tokens with it. */
function SignOutEverywhere({ onSignedOut }: { onSignedOut: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: Event) {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const include = form.getAll("include") as SignOutExtra[];
    setBusy(true);
    setError(null);
    try {
      await signOutEverywhere(include);
      onSignedOut();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return onSignedOut();
      setError(err instanceof Error ? err.message : "Something went wrong.");
      setBusy(false);
    }
  }

  return (
    <form class="stack" onSubmit={submit} aria-labelledby="sign-out-everywhere-title">
      <h3 id="sign-out-everywhere-title">Sign out everywhere</h3>
      <p class="muted">Ends every session, this one included.</p>
      {error && <Alert>{error}</Alert>}
      <label class="check">
        <input type="checkbox" name="include" value="mcp" /> Also disconnect every MCP client
      </label>
      <label class="check">
        <input type="checkbox" name="include" value="tokens" /> Also revoke every API token of mine
      </label>
      <div>
        <button type="submit" class="danger" disabled={busy}>
          {busy ? "Ending every session…" : "End every session"}
        </button>
      </div>
    </form>
  );
}
