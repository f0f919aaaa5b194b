/** An RPC that failed with one of the API's error codes (the Worker answers with it). */
export class RpcError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}
