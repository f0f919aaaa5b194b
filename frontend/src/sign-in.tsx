import type { SecondFactorRequired, User } from "@anchorage/common";
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { Alert } from "./alert.tsx";
import { ApiError, login, register, type AuthConfig, type RegisterInput } from "./api.ts";
import { Field } from "./field.tsx";
import { useFocusOnMount } from "./focus.ts";
import { MagicLinkForm } from "./magic-link/magic-link-form.tsx";
import { ProviderButtons } from "./oauth/provider-buttons.tsx";
import { signInWithPasskey } from "./passkeys/passkey-api.ts";
import { SecondFactorStep } from "./passkeys/second-factor.tsx";
import { PasskeyPromptError, passkeysAvailable } from "./passkeys/webauthn.ts";

type Mode = "sign-in" | "register";
const FIELDS = ["email", "password", "name", "invite"] as const;

interface Failure {
  message: string;
  fields: Record<string, string>;
  /** Field messages for inputs this form does not have, listed in the alert. */
  other: string[];
  attempt: number;
}

function toFailure(e: unknown, attempt: number): Failure {
  const err =
    e instanceof ApiError ? e : new ApiError(0, "E-UNKNOWN", e instanceof PasskeyPromptError ? e.message : "Something went wrong. Please try again.");
  const fields: Record<string, string> = {};
  const other: string[] = [];
  for (const f of err.fields) {
    const key = f.path.split(".")[0] ?? "";
    if ((FIELDS as readonly string[]).includes(key)) fields[key] ??= f.message;
    else other.push(f.path ? `${f.path}: ${f.message}` : f.message);
  }
  return { message: err.message, fields, other, attempt };
}

const text = (form: FormData, name: string) => String(form.get(name) ?? "").trim();

/** Sign in, or create an account when the server's registration mode allows it. */
export function SignIn({ config, onSignedIn, focus }: { config: AuthConfig | null; onSignedIn: (user: User) => void; focus: boolean }) {
  const [mode, setMode] = useState<Mode>("sign-in");
  // "Email me a sign-in link": its own small form replaces this one.
  const [magicLink, setMagicLink] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  // The password was right and the account has a passkey: the passkey step replaces the form.
  const [secondFactor, setSecondFactor] = useState<SecondFactorRequired | null>(null);
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focus);

  const registration = config?.registration ?? "closed";
  const canRegister = registration === "open" || registration === "invite";
  const registering = mode === "register" && canRegister;
  const policy = config?.password_policy;

  async function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    // Passwords are sent exactly as typed; only the other fields are trimmed.
    const email = text(form, "email");
    const password = String(form.get("password") ?? "");
    setBusy(true);
    setFailure(null);
    try {
      let user: User;
      if (registering) {
        const input: RegisterInput = { email, password };
        const name = text(form, "name");
        if (name) input.name = name;
        if (registration === "invite") input.invite = text(form, "invite");
        user = (await register(input)).user;
      } else {
        const result = await login(email, password);
        if ("requires_2fa" in result) {
          setBusy(false);
          setSecondFactor(result);
          return;
        }
        user = result.user;
      }
      onSignedIn(user);
    } catch (err) {
      setFailure(toFailure(err, (failure?.attempt ?? 0) + 1));
      setBusy(false);
    }
  }

  async function passkeySignIn() {
    setBusy(true);
    setFailure(null);
    try {
      onSignedIn((await signInWithPasskey()).user);
    } catch (err) {
      setFailure(toFailure(err, (failure?.attempt ?? 0) + 1));
      setBusy(false);
    }
  }

  function startOver(message: string | null) {
    setSecondFactor(null);
    setFailure(message ? { message, fields: {}, other: [], attempt: (failure?.attempt ?? 0) + 1 } : null);
  }

  function switchMode() {
    setMode(registering ? "sign-in" : "register");
    setFailure(null);
  }

  if (magicLink) return <MagicLinkForm onCancel={() => setMagicLink(false)} />;
  if (secondFactor) return <SecondFactorStep step={secondFactor} onSignedIn={onSignedIn} onStartOver={startOver} />;

  const fieldError = (name: string) => failure?.fields[name];
  const title = registering ? "Create an account" : "Sign in";

  return (
    <section class="card" aria-labelledby="auth-title">
      <h2 id="auth-title" ref={headingRef} tabIndex={-1}>
        {title}
      </h2>
      {failure && (
        <Alert key={failure.attempt}>
          <p>{failure.message}</p>
          {failure.other.length > 0 && (
            <ul>
              {failure.other.map((m) => (
                <li key={m}>{m}</li>
              ))}
            </ul>
          )}
        </Alert>
      )}
      <ProviderButtons config={config} />
      <form onSubmit={submit} class="stack">
        <Field id="auth-email" name="email" label="Email" type="email" autocomplete={registering ? "email" : "username"} required maxLength={254} error={fieldError("email")} />
        <Field
          id="auth-password"
          name="password"
          label="Password"
          type="password"
          autocomplete={registering ? "new-password" : "current-password"}
          required
          minLength={registering ? policy?.min_length : undefined}
          maxLength={policy?.max_length ?? 128}
          hint={registering && policy ? `${policy.min_length} to ${policy.max_length} characters; any characters are allowed.` : undefined}
          error={fieldError("password")}
        />
        {registering && <Field id="auth-name" name="name" label="Name" autocomplete="name" maxLength={100} error={fieldError("name")} />}
        {registering && registration === "invite" && (
          <Field id="auth-invite" name="invite" label="Invite code" autocomplete="off" required maxLength={200} hint="Registration is by invitation; ask an admin for a code." error={fieldError("invite")} />
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? (registering ? "Creating account…" : "Signing in…") : title}
        </button>
      </form>
      {/* Reset links go by mail: offered where the server can send it (as magic links are). */}
      {!registering && config?.magic_link && (
        <p class="switch">
          <a href="/password/forgot">Forgot your password?</a>
        </p>
      )}
      {!registering && config?.passkeys && passkeysAvailable() && (
        <p class="switch">
          <button type="button" onClick={passkeySignIn} disabled={busy}>
            Sign in with a passkey
          </button>
        </p>
      )}
      {!registering && config?.magic_link && (
        <p class="switch">
          <button type="button" class="link" onClick={() => setMagicLink(true)} disabled={busy}>
            Email me a sign-in link
          </button>
        </p>
      )}
      {canRegister && (
        <p class="switch">
          {registering ? "Already have an account? " : "New here? "}
          <button type="button" class="link" onClick={switchMode}>
            {registering ? "Sign in instead" : "Create an account"}
          </button>
        </p>
      )}
    </section>
  );
}
