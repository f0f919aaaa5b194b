import { ConfirmAction } from "../confirm-action.tsx";
import { formatDate } from "../format.ts";
import type { ScopeContext } from "./scope-drafts.ts";
import { ScopeList } from "./scope-list.tsx";
import type { ApiToken } from "./tokens-api.ts";

const When = ({ iso }: { iso: string }) => <time dateTime={iso}>{formatDate(iso)}</time>;

function Expiry({ t, now }: { t: ApiToken; now: number }) {
  if (!t.expires_at) return <>Never expires</>;
  if (Date.parse(t.expires_at) <= now)
    return (
      <span class="bad">
        Expired <When iso={t.expires_at} />
      </span>
    );
  return (
    <>
      Expires <When iso={t.expires_at} />
    </>
  );
}

interface TokenListProps {
  tokens: readonly ApiToken[];
  /** Personal tokens show their scopes; a service account's have none of their own. */
  ctx?: ScopeContext;
  busyId: string | null;
  onRevoke: (t: ApiToken) => void;
}

/** Tokens with what they may do, when they were made, expire and were last used; each can be revoked after a confirmation. */
export function TokenList({ tokens, ctx, busyId, onRevoke }: TokenListProps) {
  const now = Date.now();
  return (
    <ul class="token-list">
      {tokens.map((t) => (
        <li key={t.id}>
          <div class="session-main">
            <p class="device">{t.name}</p>
            {ctx && t.scopes && <ScopeList grants={t.scopes} ctx={ctx} />}
            <p class="muted">
              Created <When iso={t.created_at} /> · <Expiry t={t} now={now} /> ·{" "}
              {t.last_used_at ? (
                <>
                  Last used <When iso={t.last_used_at} />
                </>
              ) : (
                "Never used"
              )}
            </p>
          </div>
          <ConfirmAction
            label="Revoke"
            busyLabel="Revoking…"
            subject={`token ${t.name}`}
            question={`Revoke “${t.name}”? Anything using it stops working at once.`}
            confirmLabel="Yes, revoke"
            busy={busyId === t.id}
            onConfirm={() => onRevoke(t)}
          />
        </li>
      ))}
    </ul>
  );
}
