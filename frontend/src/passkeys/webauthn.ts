import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/browser";

/** The browser side of a passkey ceremony. @simplewebauthn/browser is fetched only when one starts. */
const library = () => import("@simplewebauthn/browser");

/** Whether this browser can make and use passkeys at all (it may still have no authenticator). */
export const passkeysAvailable = () => typeof window !== "undefined" && typeof window.PublicKeyCredential === "function";

/** Asks the browser to make a passkey with the server's options. */
export async function createPasskey(options: PublicKeyCredentialCreationOptionsJSON): Promise<RegistrationResponseJSON> {
  const { startRegistration } = await library();
  try {
    return await startRegistration({ optionsJSON: options });
  } catch (e) {
    throw explain(e, "create");
  }
}

/** Asks the browser to sign the server's challenge with a passkey. */
export async function signWithPasskey(options: PublicKeyCredentialRequestOptionsJSON): Promise<AuthenticationResponseJSON> {
  const { startAuthentication } = await library();
  try {
    return await startAuthentication({ optionsJSON: options });
  } catch (e) {
    throw explain(e, "get");
  }
}

/** A ceremony the browser ended (cancelled, timed out, refused): the server never saw it, so the same step can be tried again. */
export class PasskeyPromptError extends Error {}

/** The browser's reasons (WebAuthn §5.1.3–5.1.4 DOMException names) in words a person can act on. */
function explain(e: unknown, ceremony: "create" | "get"): PasskeyPromptError {
  const name = (e as { cause?: { name?: string } }).cause?.name ?? (e as Error)?.name;
  switch (name) {
    case "NotAllowedError":
      return new PasskeyPromptError("The passkey prompt was closed or timed out. Try again when you are ready.");
    case "InvalidStateError":
      return new PasskeyPromptError(
        ceremony === "create" ? "This authenticator already holds a passkey for your account." : "This authenticator cannot be used here.",
      );
    case "SecurityError":
      return new PasskeyPromptError("Passkeys only work at the dashboard's own address (a host name such as localhost, not an IP address).");
    default:
      return new PasskeyPromptError((e as Error)?.message || "The browser could not use a passkey.");
  }
}
