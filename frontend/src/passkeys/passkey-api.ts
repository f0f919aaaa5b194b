import type { Passkey, PasskeyList, SecondFactorRequired, SessionResponse } from "@anchorage/common";
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/browser";
import { authed, request } from "../api.ts";
import { createPasskey, signWithPasskey } from "./webauthn.ts";

/** A ceremony's start as the server hands it out. */
interface Ceremony<Options> {
  challenge_id: string;
  expires_at: string;
  options: Options;
}

/** Usernameless sign-in: the browser offers the passkeys it holds for this site. */
export async function signInWithPasskey(): Promise<SessionResponse> {
  const start = await request<Ceremony<PublicKeyCredentialRequestOptionsJSON>>("POST", "/auth/passkey/login/start");
  const credential = await signWithPasskey(start.options);
  return request<SessionResponse>("POST", "/auth/passkey/login/finish", { challenge_id: start.challenge_id, credential, transport: "cookie" });
}

/** The second step of a password sign-in on an account with a passkey. */
export async function finishWithPasskey(step: SecondFactorRequired): Promise<SessionResponse> {
  const credential = await signWithPasskey(step.passkey_options as unknown as PublicKeyCredentialRequestOptionsJSON);
  return request<SessionResponse>("POST", "/auth/passkey/login/finish", { challenge_token: step.challenge_token, credential, transport: "cookie" });
}

export const listPasskeys = () => authed(() => request<PasskeyList>("GET", "/api/settings/keys"));

/** Makes a passkey on this device (or a security key, or a phone) and stores it for the signed-in user. */
export async function addPasskey(name: string): Promise<Passkey> {
  const start = await authed(() => request<Ceremony<PublicKeyCredentialCreationOptionsJSON>>("POST", "/api/settings/keys/add/begin"));
  const credential = await createPasskey(start.options);
  return request<Passkey>("POST", "/api/settings/keys/add/finish", { challenge_id: start.challenge_id, credential, ...(name ? { name } : {}) });
}

export const renamePasskey = (id: string, name: string) => authed(() => request<Passkey>("POST", "/api/settings/keys/rename", { id, name }));

export const deletePasskey = (id: string) => authed(() => request<{ success: true }>("POST", "/api/settings/keys/delete", { id }));
