/**
 * The file-transfer protocol's checks (renderer/src/file-protocol.ts) on everything the other
 * side may send, and the speed / time-left estimate (file-rate.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  displayName,
  fileChannelLabel,
  MAX_NAME_LENGTH,
  parseControl,
  parseFileChannelMessage,
  toHex,
  transferIdOf,
} from '../../renderer/src/file-protocol.js';
import { RateMeter } from '../../renderer/src/file-rate.js';

const ID = '0b8f0f5e-7a4f-4cf4-9a53-2b1d3c4e5f60';
const HASH = 'ab'.repeat(32);

describe('parseControl', () => {
  it.each([
    [{ type: 'offer', id: ID, name: 'report.pdf', size: 1234 }],
    [{ type: 'offer', id: ID, name: 'empty', size: 0 }],
    [{ type: 'accept', id: ID }],
    [{ type: 'decline', id: ID }],
    [{ type: 'cancel', id: ID, failed: true }],
    [{ type: 'result', id: ID, ok: false }],
  ])('accepts %j', (message) => {
    expect(parseControl(JSON.stringify(message))).toEqual(message);
  });

  it('reads a cancel without `failed` as a person’s choice, and drops unknown fields', () => {
    expect(parseControl(JSON.stringify({ type: 'cancel', id: ID, extra: 1 }))).toEqual({
      type: 'cancel',
      id: ID,
      failed: false,
    });
  });

  it.each([
    ['not JSON', '{'],
    ['not a string', { type: 'accept', id: ID }],
    ['an array', JSON.stringify([ID])],
    ['an unknown type', JSON.stringify({ type: 'delete', id: ID })],
    ['no id', JSON.stringify({ type: 'accept' })],
    ['a short id', JSON.stringify({ type: 'accept', id: 'abc' })],
    ['an id with a path', JSON.stringify({ type: 'accept', id: '../../etc/passwd' })],
    ['a negative size', JSON.stringify({ type: 'offer', id: ID, name: 'a', size: -1 })],
    ['a fractional size', JSON.stringify({ type: 'offer', id: ID, name: 'a', size: 1.5 })],
    ['a size past 2^53', JSON.stringify({ type: 'offer', id: ID, name: 'a', size: 2 ** 53 })],
    ['a size as text', JSON.stringify({ type: 'offer', id: ID, name: 'a', size: '10' })],
    ['an empty name', JSON.stringify({ type: 'offer', id: ID, name: '', size: 1 })],
    [
      'a name too long',
      JSON.stringify({ type: 'offer', id: ID, name: 'a'.repeat(MAX_NAME_LENGTH + 1), size: 1 }),
    ],
    ['a result without ok', JSON.stringify({ type: 'result', id: ID })],
    ['a huge message', JSON.stringify({ type: 'accept', id: ID, pad: 'x'.repeat(5000) })],
  ])('refuses %s', (_what, data) => {
    expect(parseControl(data)).toBeNull();
  });
});

describe('parseFileChannelMessage', () => {
  it('reads end and ack', () => {
    expect(parseFileChannelMessage(JSON.stringify({ type: 'end', sha256: HASH }))).toEqual({
      type: 'end',
      sha256: HASH,
    });
    expect(parseFileChannelMessage(JSON.stringify({ type: 'ack', bytes: 1048576 }))).toEqual({
      type: 'ack',
      bytes: 1048576,
    });
  });

  it.each([
    { type: 'end', sha256: HASH.toUpperCase() },
    { type: 'end', sha256: 'ab' },
    { type: 'ack', bytes: -1 },
    { type: 'ack', bytes: 'all' },
    { type: 'offer', id: ID, name: 'a', size: 1 },
  ])('refuses %j', (message) => {
    expect(parseFileChannelMessage(JSON.stringify(message))).toBeNull();
  });
});

describe('file channel labels', () => {
  it('names the transfer, and only well-formed ids', () => {
    expect(transferIdOf(fileChannelLabel(ID))).toBe(ID);
    expect(transferIdOf('appel:chat')).toBeNull();
    expect(transferIdOf('appel:file:')).toBeNull();
    expect(transferIdOf('appel:file:a b c d e f')).toBeNull();
  });
});

describe('displayName', () => {
  it('takes out controls and bidirectional overrides', () => {
    expect(displayName('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(displayName('a\nb\u0000.txt')).toBe('ab.txt');
    expect(displayName('\u200f')).toBe('file');
    expect(displayName('résumé 2024.pdf')).toBe('résumé 2024.pdf');
  });
});

describe('toHex', () => {
  it('writes two lowercase digits a byte', () => {
    expect(toHex(new Uint8Array([0, 1, 171, 255]))).toBe('0001abff');
  });
});

describe('RateMeter', () => {
  it('knows nothing before half a second of progress', () => {
    const meter = new RateMeter();
    meter.add(0, 0);
    meter.add(400, 4_000_000);
    expect(meter.speed()).toBeNull();
    expect(meter.secondsLeft(10_000_000)).toBeNull();
  });

  it('gives the speed over the last seconds and the time left at that speed', () => {
    const meter = new RateMeter();
    // 1 MB/s for 10 s, then 4 MB/s: the old pace no longer counts after the window.
    for (let second = 0; second <= 10; second += 1) meter.add(second * 1000, second * 1_000_000);
    for (let second = 1; second <= 5; second += 1) {
      meter.add(10_000 + second * 1000, 10_000_000 + second * 4_000_000);
    }
    expect(meter.speed()).toBe(4_000_000);
    expect(meter.secondsLeft(50_000_000)).toBe(5);
  });

  it('has no time left to give while nothing moves', () => {
    const meter = new RateMeter();
    meter.add(0, 5);
    meter.add(1000, 5);
    expect(meter.speed()).toBe(0);
    expect(meter.secondsLeft(10)).toBeNull();
  });
});
