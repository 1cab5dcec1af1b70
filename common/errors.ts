/**
 * Errors that cross a boundary keep their code in the message (`<code>: <words>`): IPC turns an
 * Error into its message only, so the code must travel inside it for the page to switch on it.
 */
import { isErrorCode, type ErrorCode } from './protocol.js';

/**
 * Why a bridge method failed, when the page must do more than show the message:
 * - `fingerprint-required`: join had no fingerprint and none is pinned for that server; the page
 *   may probe the certificate and ask the user whether to trust it.
 * - `fingerprint-changed`: the invite or typed fingerprint differs from the pinned one; the page
 *   shows both and asks before replacing the pin.
 * - a protocol {@link ErrorCode}: the server refused (a revoked invite is `unauthorized`).
 * - `timeout`, `disconnected`: the server did not answer, or the connection is gone.
 * - `unsupported`: this platform cannot do it (a browser has no screen picker of the app's own).
 * - `disk`: the disk refused a received file (full, removed, not writable).
 */
export type BridgeErrorCode =
  | 'fingerprint-required'
  | 'fingerprint-changed'
  | 'timeout'
  | 'disconnected'
  | 'unsupported'
  | 'disk'
  | ErrorCode;

const BRIDGE_CODES: ReadonlySet<string> = new Set([
  'fingerprint-required',
  'fingerprint-changed',
  'timeout',
  'disconnected',
  'unsupported',
  'disk',
]);

/** An `Error` whose message starts with its code, so the code survives IPC. */
export class CodedError extends Error {
  override name = 'CodedError';
  constructor(
    readonly code: BridgeErrorCode,
    /** The words for people, without the code. */
    readonly words: string,
    options?: ErrorOptions,
  ) {
    super(`${code}: ${words}`, options);
  }
}

function messageOf(error: unknown): string {
  // Duck-typed: an Error from another realm (IPC, vm) fails `instanceof Error`.
  return typeof error === 'object' && error !== null && 'message' in error
    ? String(error.message)
    : String(error);
}

/** The code an error carries in its message, if any. */
export function errorCodeOf(error: unknown): BridgeErrorCode | null {
  const prefix = /^([a-z-]+): /.exec(messageOf(error))?.[1];
  if (prefix === undefined) return null;
  return BRIDGE_CODES.has(prefix) || isErrorCode(prefix) ? (prefix as BridgeErrorCode) : null;
}

/** The words of an error for people: the message without its code. */
export function errorWords(error: unknown): string {
  const message = messageOf(error);
  return errorCodeOf(error) === null ? message : message.slice(message.indexOf(': ') + 2);
}
