import { RECOVERY_CODE_COUNT } from "@anchorage/common";
import { sha256Hex } from "../../../core/ids.ts";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"; // RFC 4648 base32, lower case: no 0/1/8/9 to misread

/**
 * Ten new recovery codes, 80 bits each from the platform CSPRNG, printed `xxxx-xxxx-xxxx-xxxx`.
 * At 80 bits an unsalted SHA-256 is enough to store them: there is nothing to guess from the hash.
 */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    // 16 symbols of 5 bits: one random byte per symbol, its low 5 bits (256 is a multiple of 32, so no bias).
    const chars = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => ALPHABET[b & 31]).join("");
    return chars.match(/.{4}/g)!.join("-");
  });
}

/** The stored form of a recovery code: SHA-256 of its normalized form (no dashes, lower case), under a label of its own. */
export const recoveryCodeHash = (code: string) => sha256Hex(`totp-recovery:${code.replace(/[\s-]+/g, "").toLowerCase()}`);
