/**
 * What goes over the chat channel: one JSON object per message, `{"text": "…"}`, nothing else.
 * No name and no time travel with it: the receiver names the sender from the room and stamps
 * the time with its own clock. What arrives is untrusted, so anything but that shape within
 * the limits is refused here, before the page shows a thing.
 */

/** Longest message, in characters (Unicode code points, so an emoji counts as one). */
export const MAX_MESSAGE_CHARS = 4000;

/**
 * Longest frame read off the channel, in UTF-16 units: JSON writes a control character as six
 * (`\u0001`), plus the envelope. A longer frame is dropped before it is parsed.
 */
export const MAX_FRAME_LENGTH = MAX_MESSAGE_CHARS * 6 + 64;

/** How many characters a message counts for the limit. */
export function characterCount(text: string): number {
  return [...text].length;
}

/** A draft the user may send, trimmed; or why not. */
export type DraftCheck =
  | { ok: true; text: string }
  | { ok: false; reason: 'empty' }
  | { ok: false; reason: 'too-long'; length: number };

/** Whether a draft can be sent: not blank, and within {@link MAX_MESSAGE_CHARS}. */
export function checkDraft(draft: string): DraftCheck {
  const text = draft.trim();
  if (text === '') return { ok: false, reason: 'empty' };
  const length = characterCount(text);
  if (length > MAX_MESSAGE_CHARS) return { ok: false, reason: 'too-long', length };
  return { ok: true, text };
}

/** The frame that carries `text` (already checked by {@link checkDraft}). */
export function encodeMessage(text: string): string {
  return JSON.stringify({ text });
}

/** The text of a received frame, or why it was refused (for the console, not the user). */
export type Decoded = { ok: true; text: string } | { ok: false; reason: string };

/** Reads one frame from the other side, refusing anything that is not a message we would send. */
export function decodeMessage(data: unknown): Decoded {
  if (typeof data !== 'string') return { ok: false, reason: 'not a text frame' };
  if (data.length > MAX_FRAME_LENGTH) return { ok: false, reason: `${data.length} units long` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch (error) {
    return { ok: false, reason: `not JSON (${String(error)})` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, reason: 'not an object' };
  }
  const { text } = parsed as { text?: unknown };
  if (typeof text !== 'string') return { ok: false, reason: 'no text' };
  const check = checkDraft(text);
  if (!check.ok) return { ok: false, reason: `text ${check.reason}` };
  return { ok: true, text: check.text };
}
