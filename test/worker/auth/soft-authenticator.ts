/**
 * A software WebAuthn authenticator for tests: an ES256 key made with WebCrypto, and the
 * authenticator data, client data, "none" attestation and assertion signatures built by hand
 * (WebAuthn L3 §6.1, §6.5, §7.1, §7.2), so the server's checks meet real bytes. Every field a test
 * may want to get wrong (origin, RP ID, flags, counter, challenge, user handle) can be overridden.
 */

const ORIGIN = "http://localhost:8787";

const b64url = {
  encode(bytes: Uint8Array): string {
    let s = "";
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  },
  decode(text: string): Uint8Array {
    const s = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(s, (ch) => ch.charCodeAt(0));
  },
};
export { b64url };

const utf8 = (s: string) => new TextEncoder().encode(s);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const sha256 = async (data: Uint8Array) => new Uint8Array(await crypto.subtle.digest("SHA-256", data));
const uint32 = (n: number) => new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);

// ── CBOR (RFC 8949), just what attestation objects and COSE keys need ──────────────────
type Cbor = number | string | Uint8Array | Map<number | string, Cbor>;

function cborHead(major: number, n: number): Uint8Array {
  if (n < 24) return new Uint8Array([(major << 5) | n]);
  if (n < 256) return new Uint8Array([(major << 5) | 24, n]);
  if (n < 65536) return new Uint8Array([(major << 5) | 25, n >> 8, n & 255]);
  return concat(new Uint8Array([(major << 5) | 26]), uint32(n));
}

export function cbor(value: Cbor): Uint8Array {
  if (typeof value === "number") return value >= 0 ? cborHead(0, value) : cborHead(1, -1 - value);
  if (typeof value === "string") {
    const bytes = utf8(value);
    return concat(cborHead(3, bytes.length), bytes);
  }
  if (value instanceof Uint8Array) return concat(cborHead(2, value.length), value);
  return concat(cborHead(5, value.size), ...[...value].flatMap(([k, v]) => [cbor(k), cbor(v)]));
}

/** WebCrypto's ECDSA signature is r‖s; WebAuthn's ES256 signature is ASN.1 DER (§6.5.6). */
function derSignature(raw: Uint8Array): Uint8Array {
  const int = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    let v = bytes.slice(i);
    if (v[0]! & 0x80) v = concat(new Uint8Array([0]), v);
    return concat(new Uint8Array([0x02, v.length]), v);
  };
  const body = concat(int(raw.slice(0, 32)), int(raw.slice(32)));
  return concat(new Uint8Array([0x30, body.length]), body);
}

// Authenticator data flags (§6.1).
const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

type CeremonyOverrides = {
  origin?: string;
  rpId?: string;
  /** User verified (PIN or biometric); default true. */
  uv?: boolean;
  challenge?: string;
  type?: string;
};

export type RegistrationJSON = {
  id: string;
  rawId: string;
  type: "public-key";
  response: { clientDataJSON: string; attestationObject: string; transports: string[] };
  clientExtensionResults: Record<string, never>;
  authenticatorAttachment: "platform";
};

export type AssertionJSON = {
  id: string;
  rawId: string;
  type: "public-key";
  response: { clientDataJSON: string; authenticatorData: string; signature: string; userHandle?: string };
  clientExtensionResults: Record<string, never>;
  authenticatorAttachment: "platform";
};

export class SoftAuthenticator {
  /** The signature counter; each assertion adds one unless told otherwise. */
  counter = 0;
  /** The user handle the relying party gave at registration (returned with each assertion). */
  userHandle: string | null = null;

  private constructor(
    readonly credentialId: string,
    private readonly keys: CryptoKeyPair,
  ) {}

  static async create(): Promise<SoftAuthenticator> {
    const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    return new SoftAuthenticator(b64url.encode(crypto.getRandomValues(new Uint8Array(16))), keys);
  }

  private async coseKey(): Promise<Uint8Array> {
    const jwk = (await crypto.subtle.exportKey("jwk", this.keys.publicKey)) as JsonWebKey;
    // kty EC2, alg ES256, crv P-256, x, y (RFC 9053 §7.1).
    return cbor(new Map<number, Cbor>([[1, 2], [3, -7], [-1, 1], [-2, b64url.decode(jwk.x!)], [-3, b64url.decode(jwk.y!)]]));
  }

  private clientData(type: string, challenge: string, origin: string): Uint8Array {
    return utf8(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** Answers `navigator.credentials.create()` with the options the server handed out. */
  async register(options: { challenge: string; rp: { id?: string }; user: { id: string } }, o: CeremonyOverrides = {}): Promise<RegistrationJSON> {
    this.userHandle = options.user.id;
    const rpId = o.rpId ?? options.rp.id ?? "localhost";
    const flags = UP | (o.uv === false ? 0 : UV) | AT;
    const credId = b64url.decode(this.credentialId);
    const attested = concat(new Uint8Array(16) /* AAGUID: none */, new Uint8Array([credId.length >> 8, credId.length & 255]), credId, await this.coseKey());
    const authData = concat(await sha256(utf8(rpId)), new Uint8Array([flags]), uint32(this.counter), attested);
    const attestationObject = cbor(new Map<string, Cbor>([["fmt", "none"], ["attStmt", new Map()], ["authData", authData]]));
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: "public-key",
      response: {
        clientDataJSON: b64url.encode(this.clientData(o.type ?? "webauthn.create", o.challenge ?? options.challenge, o.origin ?? ORIGIN)),
        attestationObject: b64url.encode(attestationObject),
        transports: ["internal"],
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  /** Answers `navigator.credentials.get()`: signs authenticatorData ‖ SHA-256(clientDataJSON) (§6.3.3). */
  async assert(
    options: { challenge: string; rpId?: string },
    o: CeremonyOverrides & { counter?: number; userHandle?: string | null; key?: CryptoKey } = {},
  ): Promise<AssertionJSON> {
    this.counter = o.counter ?? this.counter + 1;
    const rpId = o.rpId ?? options.rpId ?? "localhost";
    const flags = UP | (o.uv === false ? 0 : UV);
    const authData = concat(await sha256(utf8(rpId)), new Uint8Array([flags]), uint32(this.counter));
    const clientDataJSON = this.clientData(o.type ?? "webauthn.get", o.challenge ?? options.challenge, o.origin ?? ORIGIN);
    const signed = concat(authData, await sha256(clientDataJSON));
    const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, o.key ?? this.keys.privateKey, signed));
    const userHandle = o.userHandle === undefined ? this.userHandle : o.userHandle;
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: "public-key",
      response: {
        clientDataJSON: b64url.encode(clientDataJSON),
        authenticatorData: b64url.encode(authData),
        signature: b64url.encode(derSignature(raw)),
        ...(userHandle ? { userHandle } : {}),
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }
}
