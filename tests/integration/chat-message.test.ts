/**
 * The chat's wire format (renderer/src/chat-message.ts): what a draft may be, and what the page
 * accepts from the other side, which is not trusted.
 */
import { describe, expect, it } from 'vitest';
import {
  checkDraft,
  decodeMessage,
  encodeMessage,
  MAX_FRAME_LENGTH,
  MAX_MESSAGE_CHARS,
} from '../../renderer/src/chat-message.js';

describe('checkDraft', () => {
  it('trims the text it sends', () => {
    expect(checkDraft('  hello\n')).toEqual({ ok: true, text: 'hello' });
  });

  it('sends nothing blank', () => {
    for (const blank of ['', '   ', '\n\t \n']) {
      expect(checkDraft(blank)).toEqual({ ok: false, reason: 'empty' });
    }
  });

  it('takes the limit in characters, an emoji counting as one', () => {
    expect(checkDraft('a'.repeat(MAX_MESSAGE_CHARS)).ok).toBe(true);
    expect(checkDraft('😀'.repeat(MAX_MESSAGE_CHARS)).ok).toBe(true);
    expect(checkDraft('a'.repeat(MAX_MESSAGE_CHARS + 1))).toEqual({
      ok: false,
      reason: 'too-long',
      length: MAX_MESSAGE_CHARS + 1,
    });
  });
});

describe('decodeMessage', () => {
  it('reads back what encodeMessage wrote, line breaks and markup as plain text', () => {
    const text = 'two\nlines <img src=x onerror=alert(1)> "quoted" \\ ☕';
    expect(decodeMessage(encodeMessage(text))).toEqual({ ok: true, text });
  });

  it('reads the longest message, even when every character is escaped', () => {
    const text = 'x' + '\u0001'.repeat(MAX_MESSAGE_CHARS - 1);
    const frame = encodeMessage(text);
    expect(frame.length).toBeLessThanOrEqual(MAX_FRAME_LENGTH);
    expect(decodeMessage(frame)).toEqual({ ok: true, text });
  });

  it.each([
    ['binary', new ArrayBuffer(8)],
    ['a number', 42],
    ['broken JSON', '{"text": "hi"'],
    ['JSON null', 'null'],
    ['an array', '["hi"]'],
    ['a string', '"hi"'],
    ['no text', '{"message": "hi"}'],
    ['text of the wrong type', '{"text": 42}'],
    ['text as an object', '{"text": {"toString": "hi"}}'],
    ['blank text', '{"text": "   "}'],
    ['text over the limit', encodeMessage('a'.repeat(MAX_MESSAGE_CHARS + 1))],
    ['a frame over the limit, unparsed', ' '.repeat(MAX_FRAME_LENGTH + 1)],
  ])('refuses %s', (_what, data) => {
    const decoded = decodeMessage(data);
    expect(decoded.ok).toBe(false);
    expect(decoded).toHaveProperty('reason', expect.any(String));
  });

  it('ignores fields it does not know, such as a name claimed by the sender', () => {
    expect(decodeMessage('{"text": "hi", "name": "Admin"}')).toEqual({ ok: true, text: 'hi' });
  });
});
