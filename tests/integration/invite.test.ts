/**
 * Invites (common/invite.ts): what a host hands out and a guest pastes. Secrets live in the
 * fragment only; anything malformed is refused with a sentence the page can show as is.
 */
import { describe, expect, it } from 'vitest';
import { formatInvite, normalizeFingerprint, parseInvite } from '../../common/invite.js';
import { newRoomId, newRoomKey } from '../../common/protocol.js';

const FINGERPRINT = Array.from({ length: 32 }, (_, i) => (i * 7 + 16).toString(16).toUpperCase())
  .map((byte) => byte.padStart(2, '0'))
  .join(':');

describe('formatInvite and parseInvite', () => {
  it('round-trip a room, its key and the fingerprint', () => {
    for (let i = 0; i < 20; i += 1) {
      const parts = { room: newRoomId(), key: newRoomKey(), fingerprint: FINGERPRINT };
      const invite = formatInvite({ url: 'https://192.168.1.20:8443', ...parts });
      expect(invite).toBe(
        `https://192.168.1.20:8443/#room=${parts.room}&key=${parts.key}&fp=${FINGERPRINT}`,
      );
      expect(parseInvite(invite)).toEqual({ url: 'https://192.168.1.20:8443', ...parts });
    }
  });

  it('keeps the key and room out of everything before the fragment', () => {
    const room = newRoomId();
    const key = newRoomKey();
    const invite = formatInvite({
      url: 'https://host.example:9443/some/path?x=1#old',
      room,
      key,
      fingerprint: FINGERPRINT,
    });
    const [beforeFragment] = invite.split('#');
    expect(beforeFragment).toBe('https://host.example:9443/');
    const url = new URL(invite);
    expect(url.search).toBe('');
    expect(url.pathname).toBe('/');
    expect(url.hash).toContain(`key=${key}`);
    expect(`${url.origin}${url.pathname}${url.search}`).not.toContain(key);
  });

  it('leaves the fingerprint out when there is none', () => {
    const room = newRoomId();
    const key = newRoomKey();
    const invite = formatInvite({ url: 'https://10.0.0.2:8443', room, key, fingerprint: null });
    expect(invite).toBe(`https://10.0.0.2:8443/#room=${room}&key=${key}`);
    expect(parseInvite(invite)).toEqual({ url: 'https://10.0.0.2:8443', room, key });
  });

  it('reads a fingerprint in any spelling, and a fragment in any order', () => {
    const key = newRoomKey();
    const lower = FINGERPRINT.toLowerCase().replaceAll(':', '');
    expect(parseInvite(`https://10.0.0.2:8443/#fp=${lower}&key=${key}&room=r1`)).toEqual({
      url: 'https://10.0.0.2:8443',
      room: 'r1',
      key,
      fingerprint: FINGERPRINT,
    });
  });
});

describe('parseInvite', () => {
  it('accepts host:port and bare https URLs, giving their origin', () => {
    expect(parseInvite(' 192.168.1.5:8443 ')).toEqual({ url: 'https://192.168.1.5:8443' });
    expect(parseInvite('https://appel.example')).toEqual({ url: 'https://appel.example' });
    expect(parseInvite('HTTPS://Appel.Example:443/call')).toEqual({
      url: 'https://appel.example',
    });
    expect(parseInvite('[::1]:8443')).toEqual({ url: 'https://[::1]:8443' });
    expect(parseInvite(`https://10.0.0.2:8443/#fp=${FINGERPRINT}`)).toEqual({
      url: 'https://10.0.0.2:8443',
      fingerprint: FINGERPRINT,
    });
  });

  it('refuses http:// and other schemes: signaling carries the room key', () => {
    expect(() => parseInvite('http://10.0.0.2:8443')).toThrow(
      '"http://10.0.0.2:8443" is not an https:// address; Appel servers only speak HTTPS.',
    );
    expect(() => parseInvite('ws://10.0.0.2:8443')).toThrow('is not an https:// address');
  });

  it.each([
    ['', 'Paste an invite or a server address to join.'],
    ['   ', 'Paste an invite or a server address to join.'],
    ['https://', '"https://" is not an invite or a server address.'],
    ['not an address', '"not an address" is not an invite or a server address.'],
  ])('refuses %j with a clear message', (text, message) => {
    expect(() => parseInvite(text)).toThrow(message);
  });

  it.each([
    ['a room with forbidden characters', 'room=a.b&key=KEY', 'This invite names no valid room.'],
    ['a room too long', `room=${'r'.repeat(65)}&key=KEY`, 'This invite names no valid room.'],
    ['a key without a room', 'key=KEY', 'This invite names no valid room.'],
    [
      'a room without a key',
      'room=r1',
      'This invite has no valid key: ask the host for a new one.',
    ],
    [
      'a key shorter than 128 bits',
      `room=r1&key=${'k'.repeat(21)}`,
      'This invite has no valid key: ask the host for a new one.',
    ],
    [
      'a key that is not base64url',
      `room=r1&key=${'k'.repeat(30)}+/`,
      'This invite has no valid key: ask the host for a new one.',
    ],
    [
      'a short fingerprint',
      'room=r1&key=KEY&fp=AB:CD',
      'The fingerprint in this invite is not a SHA-256 fingerprint.',
    ],
    [
      'a fingerprint with non-hex digits',
      `room=r1&key=KEY&fp=${'ZZ:'.repeat(31)}ZZ`,
      'The fingerprint in this invite is not a SHA-256 fingerprint.',
    ],
  ])('refuses an invite with %s', (_, fragment, message) => {
    const text = `https://10.0.0.2:8443/#${fragment.replace('KEY', newRoomKey())}`;
    expect(() => parseInvite(text)).toThrow(message);
  });

  it('accepts a key of exactly 128 bits', () => {
    const key = 'k'.repeat(22);
    expect(parseInvite(`https://10.0.0.2:8443/#room=r1&key=${key}`)).toMatchObject({ key });
  });
});

describe('normalizeFingerprint', () => {
  it.each([
    FINGERPRINT,
    FINGERPRINT.toLowerCase(),
    FINGERPRINT.replaceAll(':', ''),
    FINGERPRINT.replaceAll(':', ' '),
    `sha256 ${FINGERPRINT}`,
    `SHA-256:${FINGERPRINT.replaceAll(':', '')}`,
    `  ${FINGERPRINT}\n`,
  ])('reads %j', (text) => {
    expect(normalizeFingerprint(text)).toBe(FINGERPRINT);
  });

  it.each(['', 'AB:CD', `${FINGERPRINT}:00`, FINGERPRINT.replace('1', 'G'), 'sha1 AB'])(
    'refuses %j',
    (text) => {
      expect(normalizeFingerprint(text)).toBeNull();
    },
  );
});
