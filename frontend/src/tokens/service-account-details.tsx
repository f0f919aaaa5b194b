import { useEffect, useRef, useState } from "preact/hooks";
import { Alert, Notice } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { ConfirmAction } from "../confirm-action.tsx";
import { useFocusOnMount } from "../focus.ts";
import { formatDate } from "../format.ts";
import { CreateTokenForm } from "./create-token-form.tsx";
import { EditScopesForm } from "./edit-scopes-form.tsx";
import type { ScopeContext } from "./scope-drafts.ts";
import { ScopeList } from "./scope-list.tsx";
import { TokenList } from "./token-list.tsx";
import { TokenSecret } from "./token-secret.tsx";
import { createServiceAccountToken, deleteServiceAccount, getServiceAccount, revokeToken, type ApiToken, type CreatedToken, type ServiceAccount } from "./tokens-api.ts";

interface Props {
  account: ServiceAccount;
  ctx: ScopeContext;
  instancesNote?: string;
  focus: boolean;
  onChanged: (a: ServiceAccount) => void;
  onDeleted: (a: ServiceAccount) => void;
  onClose: () => void;
  onExpired: () => void;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** One service account: its scopes (to edit), its version, its tokens (to create, secret shown once, and revoke), and deleting it. */
export function ServiceAccountDetails({ account, ctx, instancesNote, focus, onChanged, onDeleted, onClose, onExpired }: Props) {
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focus);
  const editButtonRef = useRef<HTMLButtonElement>(null);
  const newTokenButtonRef = useRef<HTMLButtonElement>(null);
  const [tokens, setTokens] = useState<ApiToken[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [creatingToken, setCreatingToken] = useState(false);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const titleId = `account-${account.id}-title`;

  function fail(e: unknown) {
    if (e instanceof ApiError && e.status === 401) return onExpired();
    setError(e instanceof Error ? e.message : "Something went wrong.");
  }

  useEffect(() => {
    getServiceAccount(account.id).then(({ tokens: list, ...fresh }) => {
      setTokens(list);
      onChanged(fresh);
    }, fail);
  }, []);

  /** Runs one change; what it resolves to is shown as the confirmation. */
  async function act(id: string, run: () => Promise<string>) {
    setBusyId(id);
    setError(null);
    setNotice(null);
    try {
      setNotice(await run());
    } catch (e) {
      fail(e);
    } finally {
      setBusyId(null);
    }
  }

  /** After a form or the secret closes, the keyboard goes back to the button that opened it. */
  const refocus = (ref: { current: HTMLButtonElement | null }) => requestAnimationFrame(() => ref.current?.focus());

  function saved(a: ServiceAccount) {
    setEditing(false);
    onChanged(a);
    setNotice(`Scopes saved (version ${a.version}). Its tokens follow them from their next request.`);
    refocus(editButtonRef);
  }

  function tokenCreated(t: CreatedToken) {
    setCreatingToken(false);
    setCreated(t);
    const { token: _, ...view } = t;
    setTokens((list) => [view, ...(list ?? [])]);
  }

  function closeTokenForm() {
    setCreatingToken(false);
    setCreated(null);
    refocus(newTokenButtonRef);
  }

  const revoke = (t: ApiToken) =>
    act(t.id, async () => {
      await revokeToken(t.id);
      setTokens((list) => list?.filter((x) => x.id !== t.id) ?? null);
      headingRef.current?.focus();
      return `Token “${t.name}” revoked.`;
    });

  const remove = () =>
    act("delete", async () => {
      await deleteServiceAccount(account.id);
      onDeleted(account);
      return "";
    });

  return (
    <section class="card" aria-labelledby={titleId}>
      <div class="section-head">
        <h2 id={titleId} ref={headingRef} tabIndex={-1}>
          Service account “{account.name}”
        </h2>
        <button type="button" onClick={onClose}>
          Close<span class="visually-hidden"> service account {account.name}</span>
        </button>
      </div>
      {error && <Alert>{error}</Alert>}
      {notice && <Notice text={notice} />}
      <dl class="facts">
        <dt>Description</dt>
        <dd>{account.description || "—"}</dd>
        <dt>Version</dt>
        <dd>{account.version}</dd>
        <dt>Created</dt>
        <dd>
          <time dateTime={account.created_at}>{formatDate(account.created_at)}</time>
        </dd>
        <dt>Scopes changed</dt>
        <dd>
          <time dateTime={account.updated_at}>{formatDate(account.updated_at)}</time>
        </dd>
      </dl>

      <div class="stack">
        <div class="list-head">
          <h3>Scopes</h3>
          {!editing && (
            <button type="button" ref={editButtonRef} onClick={() => setEditing(true)}>
              Edit scopes
            </button>
          )}
        </div>
        {editing ? (
          <EditScopesForm
            account={account}
            ctx={ctx}
            instancesNote={instancesNote}
            onSaved={saved}
            onCancel={() => {
              setEditing(false);
              refocus(editButtonRef);
            }}
            onExpired={onExpired}
          />
        ) : (
          <ScopeList grants={account.scopes} ctx={ctx} />
        )}

        <div class="list-head">
          <h3>Tokens</h3>
          {!creatingToken && !created && (
            <button type="button" ref={newTokenButtonRef} onClick={() => setCreatingToken(true)}>
              New token<span class="visually-hidden"> for {account.name}</span>
            </button>
          )}
        </div>
        {created && <TokenSecret id={`account-${account.id}-secret`} created={created} onDone={closeTokenForm} />}
        {creatingToken && (
          <CreateTokenForm
            id={`account-${account.id}-token`}
            create={(input) => createServiceAccountToken(account.id, { name: input.name, expires_in_days: input.expires_in_days })}
            onCreated={tokenCreated}
            onCancel={closeTokenForm}
            onExpired={onExpired}
          />
        )}
        {tokens === null ? (
          !error && <p class="muted">Loading tokens…</p>
        ) : tokens.length === 0 ? (
          <p class="muted">No tokens yet.</p>
        ) : (
          <TokenList tokens={tokens} busyId={busyId} onRevoke={revoke} />
        )}

        <h3>Delete</h3>
        <p class="muted">Deleting the account revokes every token of it at once.</p>
        <div>
          <ConfirmAction
            label="Delete service account"
            busyLabel="Deleting…"
            subject={account.name}
            question={`Delete “${account.name}”${tokens?.length ? ` and its ${plural(tokens.length, "token")}` : ""}? Anything using them stops working at once.`}
            confirmLabel="Yes, delete"
            busy={busyId === "delete"}
            onConfirm={remove}
          />
        </div>
      </div>
    </section>
  );
}
