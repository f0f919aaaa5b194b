import type { StepUpRequest, StepUpResponse } from "@anchorage/common";
import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/browser";
import { request } from "../api.ts";
import { signWithPasskey } from "../passkeys/webauthn.ts";

// Plain requests, not `authed`: a step-up's own refusal must not ask for a step-up again.
const stepUp = (body: StepUpRequest) => request<StepUpResponse>("POST", "/auth/step-up", body);

export const stepUpWithPassword = (password: string) => stepUp({ method: "password", password });
export const stepUpWithCode = (code: string) => stepUp({ method: "totp", code });

/** Options for this session's passkey challenge, the browser's signature, then the proof. */
export async function stepUpWithPasskey() {
  const { challenge_id, options } = await request<{ challenge_id: string; options: PublicKeyCredentialRequestOptionsJSON }>("POST", "/auth/step-up/passkey/options");
  const response = await signWithPasskey(options);
  return stepUp({ method: "passkey", challenge_id, response: response as Extract<StepUpRequest, { method: "passkey" }>["response"] });
}
