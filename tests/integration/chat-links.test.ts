/**
 * Links in chat messages (renderer/src/chat-links.ts): only http(s) addresses become links, with
 * the sentence's punctuation left out, and the parts always give the message back.
 */
import { describe, expect, it } from 'vitest';
import { MAX_LINK_LENGTH } from '../../common/links.js';
import { splitLinks } from '../../renderer/src/chat-links.js';

/** The parts, as `[text, url?]` pairs for short expectations. */
function parts(text: string): [string, string?][] {
  const split = splitLinks(text);
  expect(split.map((part) => part.text).join('')).toBe(text);
  return split.map((part) => (part.url ? [part.text, part.url] : [part.text]));
}

describe('splitLinks', () => {
  it('leaves text without links as it is', () => {
    expect(parts('hello there')).toEqual([['hello there']]);
    expect(parts('')).toEqual([]);
  });

  it('finds http and https links among words, in any case', () => {
    expect(parts('see https://example.com/a?b=1#c and HTTP://Example.org')).toEqual([
      ['see '],
      ['https://example.com/a?b=1#c', 'https://example.com/a?b=1#c'],
      [' and '],
      ['HTTP://Example.org', 'http://example.org/'],
    ]);
  });

  it('leaves the punctuation that ends a sentence out of the link', () => {
    expect(parts('Look: https://example.com/x.')).toEqual([
      ['Look: '],
      ['https://example.com/x', 'https://example.com/x'],
      ['.'],
    ]);
    expect(parts('(at https://example.com/), ok?')).toEqual([
      ['(at '],
      ['https://example.com/', 'https://example.com/'],
      ['), ok?'],
    ]);
  });

  it('keeps a bracket the link opened itself', () => {
    const link = 'https://en.wikipedia.org/wiki/Mercury_(planet)';
    expect(parts(`${link}!`)).toEqual([[link, link], ['!']]);
  });

  it.each([
    'javascript:alert(1)',
    'javascript://example.com/%0Aalert(1)',
    'file:///etc/passwd',
    'data:text/html,<script>alert(1)</script>',
    'appel://open',
    'mailto:someone@example.com',
    'www.example.com',
    'https://bank.example@evil.example/',
    'https://',
  ])('keeps %s as text', (text) => {
    expect(parts(text)).toEqual([[text]]);
  });

  it('keeps a link too long to open as text', () => {
    const long = `https://example.com/${'a'.repeat(MAX_LINK_LENGTH)}`;
    expect(parts(long)).toEqual([[long]]);
  });

  it('ends a link at an invisible direction override', () => {
    expect(parts('https://example.com/\u202Egpj.exe')).toEqual([
      ['https://example.com/', 'https://example.com/'],
      ['\u202Egpj.exe'],
    ]);
  });
});
