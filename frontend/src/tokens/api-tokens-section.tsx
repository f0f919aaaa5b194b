import { useRef, useState } from "preact/hooks";
import { Alert, Notice } from "../alert.tsx";
import { useListActions } from "../use-list-actions.ts";
import { CreateTokenForm } from "./create-token-form.tsx";
import type { ScopeContext } from "./scope-drafts.ts";
import { TokenList } from "./token-list.tsx";
import { TokenSecret } from "./token-secret.tsx";
import { createToken, listTokens, revokeToken, type ApiToken, type CreatedToken } from "./tokens-api.ts";

const withoutSecret = ({ token: _, ...view }: CreatedToken): ApiToken => view;

/** The signed-in person's API tokens: what each may do, a new one (its secret shown once), revoke. */
export function ApiTokensSection({ ctx, instancesNote, onExpired }: { ctx: ScopeContext; instancesNote?: string; onExpired: () => void }) {
  const { items: tokens, setItems: setTokens, error, notice, busyId, act } = useListActions(listTokens, onExpired);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const newButtonRef = useRef<HTMLButtonElement>(null);

  function onCreated(t: CreatedToken) {
    setCreating(false);
    setCreated(t);
    setTokens((list) => [withoutSecret(t), ...(list ?? [])]);
  }

  function closeForm() {
    setCreating(false);
    setCreated(null);
    // The form or secret is gone: back to the button that opened it.
    requestAnimationFrame(() => newButtonRef.current?.focus());
  }

  const revoke = (t: ApiToken) =>
    act(t.id, async () => {
      await revokeToken(t.id);
      setTokens((list) => list?.filter((x) => x.id !== t.id) ?? null);
      headingRef.current?.focus();
      return `Token “${t.name}” revoked.`;
    });

  return (
    <section class="card" aria-labelledby="api-tokens-title">
      <div class="section-head">
        <h2 id="api-tokens-title" ref={headingRef} tabIndex={-1}>
          API tokens
        </h2>
        {!creating && !created && (
          <button type="button" ref={newButtonRef} onClick={() => setCreating(true)}>
            New token
          </button>
        )}
      </div>
      <p class="muted section-intro">For scripts, the command line and other services: each token can do what its scopes allow and no more.</p>
      {error && <Alert>{error}</Alert>}
      {notice && <Notice text={notice} />}
      {created && <TokenSecret id="new-token-secret" created={created} onDone={closeForm} />}
      {creating && (
        <CreateTokenForm
          id="new-token"
          ctx={ctx}
          instancesNote={instancesNote}
          create={(input) => createToken({ name: input.name, expires_in_days: input.expires_in_days, scopes: input.scopes ?? [] })}
          onCreated={onCreated}
          onCancel={closeForm}
          onExpired={onExpired}
        />
      )}
      {tokens === null ? (
        !error && <p class="muted">Loading tokens…</p>
      ) : tokens.length === 0 ? (
        <p class="muted">No API tokens yet.</p>
      ) : (
        <TokenList tokens={tokens} ctx={ctx} busyId={busyId} onRevoke={revoke} />
      )}
    </section>
  );
}
