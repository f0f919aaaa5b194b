import { OneTimeSecret } from "../one-time-secret.tsx";
import type { CreatedToken } from "./tokens-api.ts";

/** A new token's secret, the one time it is ever shown (only its hash is stored), with a copy button. */
export function TokenSecret({ id, created, onDone }: { id: string; created: CreatedToken; onDone: () => void }) {
  return (
    <OneTimeSecret
      id={id}
      title={`Token “${created.name}” created`}
      label="Your new token"
      value={created.token}
      copySubject="token"
      hint={
        <>
          Send it as <code>Authorization: Bearer &lt;token&gt;</code>.
        </>
      }
      onDone={onDone}
    >
      <p>
        <strong>Copy it now: you will not see this token again.</strong> Only a hash of it is kept. If you lose it, revoke it and create another.
      </p>
    </OneTimeSecret>
  );
}
