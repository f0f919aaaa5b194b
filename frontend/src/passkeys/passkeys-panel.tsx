import type { Passkey, PasskeyList } from "@anchorage/common";
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Alert, Notice } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { ConfirmAction } from "../confirm-action.tsx";
import { Field } from "../field.tsx";
import { formatDate } from "../format.ts";
import { addPasskey, deletePasskey, listPasskeys, renamePasskey } from "./passkey-api.ts";
import { passkeysAvailable } from "./webauthn.ts";

const text = (form: HTMLFormElement, name: string) => String(new FormData(form).get(name) ?? "").trim();

/**
 * The signed-in person's passkeys: add one on this device, rename, delete. The server refuses to
 * delete the last way to sign in; the panel says so beforehand and shows the refusal if it comes.
 */
export function PasskeysPanel({ onExpired }: { onExpired: () => void }) {
  const [list, setList] = useState<PasskeyList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null); // "add" or a passkey id
  const [renaming, setRenaming] = useState<string | null>(null);

  const reload = () => listPasskeys().then(setList, fail);
  useEffect(() => {
    reload();
  }, []);

  function fail(e: unknown) {
    if (e instanceof ApiError && e.status === 401) return onExpired();
    setError(e instanceof Error ? e.message : "Something went wrong.");
  }

  async function run(what: string, action: () => Promise<string>) {
    setBusy(what);
    setError(null);
    setNotice(null);
    try {
      setNotice(await action());
      await reload();
    } catch (e) {
      fail(e);
    } finally {
      setBusy(null);
    }
  }

  function add(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const name = text(form, "name");
    void run("add", async () => {
      const key = await addPasskey(name);
      form.reset();
      return `Passkey “${key.name}” added.`;
    });
  }

  function rename(e: JSX.TargetedSubmitEvent<HTMLFormElement>, key: Passkey) {
    e.preventDefault();
    const name = text(e.currentTarget, "name");
    void run(key.id, async () => {
      await renamePasskey(key.id, name);
      setRenaming(null);
      return `Passkey renamed to “${name}”.`;
    });
  }

  const methods = list?.sign_in_methods;
  const onlyWayIn = methods !== undefined && !methods.password && methods.identities === 0 && methods.passkeys === 1;

  return (
    <section class="card" aria-labelledby="passkeys-title">
      <h2 id="passkeys-title">Passkeys</h2>
      <p class="muted">
        A passkey signs you in with this device's screen lock or a security key, without a password. Once you have one, signing in with
        your password also asks for it.
      </p>
      {error && <Alert>{error}</Alert>}
      {notice && <Notice text={notice} />}
      {list === null ? (
        !error && <p class="muted">Loading passkeys…</p>
      ) : list.keys.length === 0 ? (
        <p class="muted">No passkeys yet.</p>
      ) : (
        <ul class="sessions" aria-label="Your passkeys">
          {list.keys.map((key) => (
            <li key={key.id}>
              {renaming === key.id ? (
                <form class="inline-form" onSubmit={(e) => rename(e, key)}>
                  <Field id={`passkey-name-${key.id}`} name="name" label={`New name for ${key.name}`} required maxLength={64} />
                  <button type="submit" class="primary" disabled={busy === key.id}>
                    {busy === key.id ? "Saving…" : "Save"}
                  </button>
                  <button type="button" onClick={() => setRenaming(null)}>
                    Cancel
                  </button>
                </form>
              ) : (
                <>
                  <div class="session-main">
                    <p class="device">
                      {key.name}
                      {key.device_type === "multiDevice" && <span class="badge">Synced</span>}
                    </p>
                    <p class="muted">
                      Added <time dateTime={key.created_at}>{formatDate(key.created_at)}</time> · Last used{" "}
                      {key.last_used_at ? <time dateTime={key.last_used_at}>{formatDate(key.last_used_at)}</time> : "never"}
                    </p>
                  </div>
                  <div class="button-row">
                    <button type="button" onClick={() => setRenaming(key.id)} disabled={busy !== null}>
                      Rename<span class="visually-hidden"> passkey {key.name}</span>
                    </button>
                    <ConfirmAction
                      label="Delete"
                      subject={`passkey ${key.name}`}
                      busyLabel="Deleting…"
                      question={`Delete the passkey “${key.name}”? It will no longer sign you in.`}
                      confirmLabel="Delete"
                      busy={busy === key.id}
                      onConfirm={() => void run(key.id, async () => (await deletePasskey(key.id), `Passkey “${key.name}” deleted.`))}
                    />
                  </div>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {onlyWayIn && <p class="hint">This passkey is your only way to sign in: add another before deleting it.</p>}
      {passkeysAvailable() ? (
        <form class="inline-form" onSubmit={add}>
          <Field id="new-passkey-name" name="name" label="Name for a new passkey" autocomplete="off" maxLength={64} hint="For example “Laptop” or “Phone”." />
          <button type="submit" class="primary" disabled={busy === "add"}>
            {busy === "add" ? "Waiting for your device…" : "Add a passkey"}
          </button>
        </form>
      ) : (
        <p class="muted">This browser cannot make passkeys.</p>
      )}
    </section>
  );
}
