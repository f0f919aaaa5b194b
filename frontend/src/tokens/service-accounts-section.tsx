import { useRef, useState } from "preact/hooks";
import { Alert, Notice } from "../alert.tsx";
import { formatDate } from "../format.ts";
import { useListActions } from "../use-list-actions.ts";
import { CreateServiceAccountForm } from "./create-service-account-form.tsx";
import type { ScopeContext } from "./scope-drafts.ts";
import { ScopeList } from "./scope-list.tsx";
import { ServiceAccountDetails } from "./service-account-details.tsx";
import { listServiceAccounts, type ServiceAccount } from "./tokens-api.ts";

/**
 * Service accounts: identities for other services and CI. Their tokens follow the account's
 * scopes, so changing them reaches every token at once. One account opens below the list.
 */
export function ServiceAccountsSection({ ctx, instancesNote, onExpired }: { ctx: ScopeContext; instancesNote?: string; onExpired: () => void }) {
  const { items: accounts, setItems: setAccounts, error } = useListActions(listServiceAccounts, onExpired);
  const [creating, setCreating] = useState(false);
  const [openId, setOpenId] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const newButtonRef = useRef<HTMLButtonElement>(null);

  const replace = (a: ServiceAccount) => setAccounts((list) => list?.map((x) => (x.id === a.id ? a : x)) ?? null);

  function created(a: ServiceAccount) {
    setCreating(false);
    setAccounts((list) => [a, ...(list ?? [])]);
    setNotice(`Service account “${a.name}” created. Give it a token below.`);
    setOpenId(a.id);
  }

  function deleted(a: ServiceAccount) {
    setOpenId(null);
    setAccounts((list) => list?.filter((x) => x.id !== a.id) ?? null);
    setNotice(`Service account “${a.name}” and its tokens deleted.`);
    headingRef.current?.focus();
  }

  function closeForm() {
    setCreating(false);
    requestAnimationFrame(() => newButtonRef.current?.focus());
  }

  function open(id: string) {
    setNotice(null);
    setOpenId(id);
  }

  const opened = accounts?.find((a) => a.id === openId) ?? null;

  return (
    <>
      <section class="card" aria-labelledby="service-accounts-title">
        <div class="section-head">
          <h2 id="service-accounts-title" ref={headingRef} tabIndex={-1}>
            Service accounts
          </h2>
          {!creating && (
            <button type="button" ref={newButtonRef} onClick={() => setCreating(true)}>
              New service account
            </button>
          )}
        </div>
        <p class="muted section-intro">For other services and CI: the account holds the scopes, and its tokens follow them when they change.</p>
        {error && <Alert>{error}</Alert>}
        {notice && <Notice text={notice} />}
        {creating && <CreateServiceAccountForm ctx={ctx} instancesNote={instancesNote} onCreated={created} onCancel={closeForm} onExpired={onExpired} />}
        {accounts === null ? (
          !error && <p class="muted">Loading service accounts…</p>
        ) : accounts.length === 0 ? (
          <p class="muted">No service accounts yet.</p>
        ) : (
          <ul class="token-list">
            {accounts.map((a) => (
              <li key={a.id} class={a.id === openId ? "selected" : undefined}>
                <div class="session-main">
                  <p class="device">{a.name}</p>
                  {a.description && <p>{a.description}</p>}
                  <ScopeList grants={a.scopes} ctx={ctx} />
                  <p class="muted">
                    Version {a.version} · Created <time dateTime={a.created_at}>{formatDate(a.created_at)}</time>
                  </p>
                </div>
                <button type="button" onClick={() => open(a.id)} aria-current={a.id === openId ? "true" : undefined}>
                  Open<span class="visually-hidden"> service account {a.name}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      {opened && (
        <ServiceAccountDetails
          key={opened.id}
          account={opened}
          ctx={ctx}
          instancesNote={instancesNote}
          focus
          onChanged={replace}
          onDeleted={deleted}
          onClose={() => {
            setOpenId(null);
            headingRef.current?.focus();
          }}
          onExpired={onExpired}
        />
      )}
    </>
  );
}
