/**
 * How two Appel pages move a file, and the checks on everything the other side sends.
 *
 * On the call's control channel (CALL_CHANNELS.files), JSON:
 *   sender → receiver `offer` {id, name, size}; receiver → sender `accept` or `decline`;
 *   either side `cancel` {failed}; receiver → sender `result` {ok} once it checked the SHA-256.
 * After `accept` the sender opens a channel of the file's own, `appel:file:<id>`, ordered:
 *   sender → receiver: the bytes as binary messages of at most {@link CHUNK_SIZE}, then one
 *   text message `end` {sha256} (in order after the last byte);
 *   receiver → sender: text `ack` {bytes} as the bytes reach the disk. The sender never has more
 *   than {@link ACK_WINDOW} bytes unacknowledged, so a slow disk slows the sender instead of
 *   filling the receiver's memory.
 * Nothing of a file is sent before `accept`. Anything malformed, about an unknown id, or beyond
 * the announced size is ignored or ends that transfer.
 */

/**
 * Bytes per binary message. Both Chromium (256 KiB) and Firefox (1 GiB) announce a larger SCTP
 * max-message-size; 64 KiB stays well inside and keeps one message from holding up the others.
 */
export const CHUNK_SIZE = 64 * 1024;
/** The sender waits for `bufferedamountlow` above this much queued in the channel… */
export const BUFFER_HIGH = 4 * 1024 * 1024;
/** …which fires when the queue drains to this (`bufferedAmountLowThreshold`). */
export const BUFFER_LOW = 1024 * 1024;
/** Bytes the sender may have sent that the receiver has not yet written. */
export const ACK_WINDOW = 16 * 1024 * 1024;
/** The receiver acknowledges each time this much more reached the disk. */
export const ACK_STEP = 1024 * 1024;
/** The receiver writes in blocks of up to this size (main's IPC takes at most 1 MiB a chunk). */
export const WRITE_SIZE = 1024 * 1024;

/** The file channel's label starts with this, followed by the transfer's id. */
export const FILE_CHANNEL_PREFIX = 'appel:file:';
/** Longest file name accepted (main shortens it further when saving). */
export const MAX_NAME_LENGTH = 1024;
/** Longest control message accepted, in characters. */
const MAX_MESSAGE_LENGTH = 4096;

const ID_PATTERN = /^[A-Za-z0-9-]{8,64}$/;
const SHA256_PATTERN = /^[0-9a-f]{64}$/;

export type ControlMessage =
  | { type: 'offer'; id: string; name: string; size: number }
  | { type: 'accept'; id: string }
  | { type: 'decline'; id: string }
  /** `failed`: this side could not go on (unreadable file, full disk), nobody chose to stop. */
  | { type: 'cancel'; id: string; failed: boolean }
  | { type: 'result'; id: string; ok: boolean };

/** A text message on a file's own channel. */
export type FileChannelMessage = { type: 'end'; sha256: string } | { type: 'ack'; bytes: number };

export function isTransferId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

function isByteCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The JSON object in `data`, or `null` for anything else. */
function parseObject(data: unknown): Record<string, unknown> | null {
  if (typeof data !== 'string' || data.length > MAX_MESSAGE_LENGTH) return null;
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** A valid control message, or `null`. */
export function parseControl(data: unknown): ControlMessage | null {
  const message = parseObject(data);
  if (!message || !isTransferId(message.id)) return null;
  const { id } = message;
  switch (message.type) {
    case 'offer': {
      const { name, size } = message;
      if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) {
        return null;
      }
      return isByteCount(size) ? { type: 'offer', id, name, size } : null;
    }
    case 'accept':
    case 'decline':
      return { type: message.type, id };
    case 'cancel':
      return { type: 'cancel', id, failed: message.failed === true };
    case 'result':
      return typeof message.ok === 'boolean' ? { type: 'result', id, ok: message.ok } : null;
    default:
      return null;
  }
}

/** A valid text message of a file channel, or `null`. */
export function parseFileChannelMessage(data: unknown): FileChannelMessage | null {
  const message = parseObject(data);
  if (message?.type === 'end' && typeof message.sha256 === 'string') {
    return SHA256_PATTERN.test(message.sha256) ? { type: 'end', sha256: message.sha256 } : null;
  }
  if (message?.type === 'ack' && isByteCount(message.bytes)) {
    return { type: 'ack', bytes: message.bytes };
  }
  return null;
}

/** The transfer id a file channel's label names, or `null` when it is not a file channel. */
export function transferIdOf(label: string): string | null {
  if (!label.startsWith(FILE_CHANNEL_PREFIX)) return null;
  const id = label.slice(FILE_CHANNEL_PREFIX.length);
  return isTransferId(id) ? id : null;
}

export function fileChannelLabel(id: string): string {
  return `${FILE_CHANNEL_PREFIX}${id}`;
}

/** Lowercase hex of a digest. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Controls and bidirectional overrides taken out of a name before it is shown. */
const UNSHOWABLE = /[\p{Cc}\p{Bidi_Control}]/gu;

/** The sender's file name as this page shows it and offers it for download. */
export function displayName(name: string): string {
  return name.replace(UNSHOWABLE, '').trim() || 'file';
}
