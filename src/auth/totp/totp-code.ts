import { Secret, TOTP } from "otpauth";
import { TOTP_PARAMS } from "@anchorage/common";

/**
 * TOTP codes (RFC 6238 with its defaults: HMAC-SHA-1, 6 digits, 30 s steps), through `otpauth`,
 * which compares codes in constant time.
 */

/** Codes one step either side of now are accepted: RFC 6238 §5.2 recommends at most one step of network delay and clock drift. */
export const TOTP_WINDOW_STEPS = 1;

/** A new shared secret: 160 bits, the length of SHA-1's output (RFC 4226 §4 asks for at least 128, recommends 160). */
export const newTotpSecret = () => new Secret({ size: 20 }).base32;

const totpOf = (secretBase32: string, label = "account", issuer = "Anchorage") =>
  new TOTP({ issuer, label, algorithm: TOTP_PARAMS.algorithm, digits: TOTP_PARAMS.digits, period: TOTP_PARAMS.period, secret: Secret.fromBase32(secretBase32) });

/** The `otpauth://totp/…` URL an authenticator app reads (from a QR code or a link). */
export const otpauthUrl = (secretBase32: string, label: string, issuer: string) => totpOf(secretBase32, label, issuer).toString();

/** The time step of `now` (seconds since the epoch / 30). */
export const totpStepAt = (now: number) => TOTP.counter({ period: TOTP_PARAMS.period, timestamp: now });

/**
 * The time step whose code `code` is, within ±1 step of `now`, or null when it matches none.
 * The caller must still refuse a step at or before the last one used (replay, §5.2).
 */
export function matchingTotpStep(secretBase32: string, code: string, now = Date.now()): number | null {
  const delta = totpOf(secretBase32).validate({ token: code, timestamp: now, window: TOTP_WINDOW_STEPS });
  return delta === null ? null : totpStepAt(now) + delta;
}
