/**
 * User codes (RFC 8628 §6.1): eight letters without vowels or look-alikes, shown
 * as XXXX-XXXX. What a person types or pastes is tidied into that shape.
 */

const VALID = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

/** "bcdf ghjk" → "BCDF-GHJK"; partial input stays partial ("BCDF-G"). */
export function formatUserCode(raw: string): string {
  const letters = raw.toUpperCase().replace(/[^A-Z]/g, "").slice(0, 8);
  return letters.length > 4 ? `${letters.slice(0, 4)}-${letters.slice(4)}` : letters;
}

export const isUserCode = (code: string) => VALID.test(code);

/** The code the CLI put in the link (`/device?user_code=…`), or "". */
export const userCodeFromUrl = () => formatUserCode(new URLSearchParams(location.search).get("user_code") ?? "");
