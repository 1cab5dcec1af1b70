/**
 * The wire contract's validators: real-looking SDP and candidates pass and come out with only the
 * protocol's fields; every malformed shape is refused with the right code.
 */
import { describe, expect, it } from 'vitest';
import {
  connectErrorCode,
  DEFAULT_LIMITS,
  Events,
  isAccessKey,
  isAck,
  isPeerId,
  isRoomId,
  MAX_ACCESS_KEY_LENGTH,
  newRoomId,
  newRoomKey,
  parsePeerEvent,
  parsePeerJoined,
  parsePeerList,
  payloadBytes,
  payloadBytesBound,
  validateDisplayName,
  validateHandshake,
  validateRelayRequest,
  validateRelayed,
  type RelayEvent,
} from '../../common/protocol.js';
import {
  sampleAnswer,
  sampleCandidate,
  sampleOffer,
  sampleSdp,
} from '../support/signaling-fixtures.js';

const to = 'Yx3kQm0cZ1pT9v8bAAAB';

describe('validateRelayRequest accepts', () => {
  it('a Chromium offer and answer', () => {
    expect(validateRelayRequest(Events.offer, { offer: sampleOffer(1), to })).toEqual({
      ok: true,
      value: { offer: sampleOffer(1), to },
    });
    expect(validateRelayRequest(Events.answer, { answer: sampleAnswer(2), to })).toEqual({
      ok: true,
      value: { answer: sampleAnswer(2), to },
    });
  });

  it.each([
    ['host UDP', sampleCandidate(1)],
    [
      'server-reflexive',
      {
        candidate:
          'candidate:842163049 1 udp 1677729535 203.0.113.7 61665 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag Xk4F network-cost 999',
        sdpMid: '0',
        sdpMLineIndex: 0,
        usernameFragment: 'Xk4F',
      },
    ],
    [
      'relay TCP, with only sdpMLineIndex',
      {
        candidate:
          'candidate:3 1 tcp 41885439 198.51.100.2 3478 typ relay raddr 203.0.113.7 rport 9 tcptype passive',
        sdpMLineIndex: 1,
      },
    ],
    [
      'mDNS, with only sdpMid',
      {
        candidate: 'candidate:1 1 udp 2122 a1b2.local 5000 typ host',
        sdpMid: '1',
        sdpMLineIndex: null,
      },
    ],
    ['end-of-candidates', { candidate: '', sdpMid: null, sdpMLineIndex: null }],
  ])('a %s candidate', (_name, candidate) => {
    const result = validateRelayRequest(Events.candidate, { candidate, to });
    expect(result).toEqual({ ok: true, value: { candidate, to } });
  });

  it('a hang-up, with or without a reason', () => {
    expect(validateRelayRequest(Events.hangUp, { to })).toEqual({ ok: true, value: { to } });
    for (const reason of ['declined', 'busy', 'missed'] as const) {
      expect(validateRelayRequest(Events.hangUp, { to, reason, extra: 1 })).toEqual({
        ok: true,
        value: { to, reason },
      });
    }
  });

  it('a ringing, keeping only `to`', () => {
    expect(validateRelayRequest(Events.ringing, { to, from: 'forged', name: 'x' })).toEqual({
      ok: true,
      value: { to },
    });
  });

  it('and keeps only the protocol fields (no client `from`, no extras)', () => {
    const result = validateRelayRequest(Events.candidate, {
      candidate: { ...sampleCandidate(4), foundation: 'x', toJSON: 1 },
      to,
      from: 'forged',
      extra: { deep: true },
    });
    expect(result).toEqual({ ok: true, value: { candidate: sampleCandidate(4), to } });
    const offer = validateRelayRequest(Events.offer, {
      offer: { ...sampleOffer(), extra: 1 },
      to,
      from: 'forged',
    });
    expect(offer).toEqual({ ok: true, value: { offer: sampleOffer(), to } });
  });
});

describe('validateRelayRequest refuses', () => {
  const cases: [string, RelayEvent, unknown, string][] = [
    ['no payload', Events.offer, undefined, 'invalid-payload'],
    ['null', Events.offer, null, 'invalid-payload'],
    ['a number', Events.answer, 42, 'invalid-payload'],
    ['a string', Events.candidate, 'candidate:1', 'invalid-payload'],
    ['an array', Events.offer, [sampleOffer(), to], 'invalid-payload'],
    ['a missing `to`', Events.offer, { offer: sampleOffer() }, 'invalid-payload'],
    ['an empty `to`', Events.hangUp, { to: '' }, 'invalid-payload'],
    ['a numeric `to`', Events.hangUp, { to: 7 }, 'invalid-payload'],
    ['an object `to`', Events.hangUp, { to: { id: to } }, 'invalid-payload'],
    ['a too long `to`', Events.hangUp, { to: 'x'.repeat(129) }, 'invalid-payload'],
    ['an unknown hang-up reason', Events.hangUp, { to, reason: 'bored' }, 'invalid-payload'],
    ['a numeric hang-up reason', Events.hangUp, { to, reason: 1 }, 'invalid-payload'],
    ['a ringing without `to`', Events.ringing, {}, 'invalid-payload'],
    ['a missing offer', Events.offer, { to }, 'invalid-payload'],
    ['an answer sent as offer', Events.offer, { offer: sampleAnswer(), to }, 'invalid-payload'],
    ['an offer sent as answer', Events.answer, { answer: sampleOffer(), to }, 'invalid-payload'],
    [
      'an SDP string instead of an object',
      Events.offer,
      { offer: sampleSdp(), to },
      'invalid-payload',
    ],
    ['a numeric sdp', Events.offer, { offer: { type: 'offer', sdp: 1 }, to }, 'invalid-payload'],
    [
      'an sdp not starting v=0',
      Events.offer,
      { offer: { type: 'offer', sdp: 'o=- 1' }, to },
      'invalid-payload',
    ],
    ['a missing candidate', Events.candidate, { to }, 'invalid-payload'],
    [
      'a candidate string',
      Events.candidate,
      { candidate: 'candidate:1 1 udp', to },
      'invalid-payload',
    ],
    [
      'a candidate line not starting "candidate:"',
      Events.candidate,
      { candidate: { candidate: 'a=candidate:1', sdpMid: '0' }, to },
      'invalid-payload',
    ],
    [
      'a numeric candidate line',
      Events.candidate,
      { candidate: { candidate: 5, sdpMid: '0' }, to },
      'invalid-payload',
    ],
    [
      'a candidate with neither sdpMid nor sdpMLineIndex',
      Events.candidate,
      { candidate: { candidate: sampleCandidate().candidate }, to },
      'invalid-payload',
    ],
    [
      'a numeric sdpMid',
      Events.candidate,
      { candidate: { ...sampleCandidate(), sdpMid: 0 }, to },
      'invalid-payload',
    ],
    [
      'a fractional sdpMLineIndex',
      Events.candidate,
      { candidate: { ...sampleCandidate(), sdpMLineIndex: 0.5 }, to },
      'invalid-payload',
    ],
    [
      'a negative sdpMLineIndex',
      Events.candidate,
      { candidate: { ...sampleCandidate(), sdpMLineIndex: -1 }, to },
      'invalid-payload',
    ],
    [
      'a numeric usernameFragment',
      Events.candidate,
      { candidate: { ...sampleCandidate(), usernameFragment: 1 }, to },
      'invalid-payload',
    ],
    [
      'a candidate line over maxCandidateLength',
      Events.candidate,
      { candidate: { candidate: `candidate:${'1'.repeat(2048)}`, sdpMid: '0' }, to },
      'invalid-payload',
    ],
    [
      'a payload over maxPayloadBytes',
      Events.offer,
      { offer: { type: 'offer', sdp: `v=0\r\n${'a'.repeat(65 * 1024)}` }, to },
      'too-large',
    ],
  ];

  it.each(cases)('%s', (_name, event, payload, code) => {
    const result = validateRelayRequest(event, payload);
    expect(result).toMatchObject({ ok: false, code });
    expect(!result.ok && result.message).toMatch(/\S/);
  });

  it('honours custom limits', () => {
    const limits = { ...DEFAULT_LIMITS, maxPayloadBytes: 100 };
    expect(validateRelayRequest(Events.offer, { offer: sampleOffer(), to }, limits)).toMatchObject({
      ok: false,
      code: 'too-large',
    });
  });
});

describe('presence events from the server', () => {
  const other = 'Q2abcdefghijklmnAAAC';

  it('accept peer lists, joins and leaves of real ids and names, as fresh copies', () => {
    const peers = [
      { id: to, name: 'Ann' },
      { id: other, name: 'Bo Lee', extra: 1 },
    ];
    const list = parsePeerList({ room: 'red', self: { id: 'self-id', name: 'Me' }, peers, x: 1 });
    expect(list).toEqual({
      room: 'red',
      self: { id: 'self-id', name: 'Me' },
      peers: [
        { id: to, name: 'Ann' },
        { id: other, name: 'Bo Lee' },
      ],
    });
    expect(list?.peers).not.toBe(peers);
    expect(parsePeerList({ room: null, self: { id: to, name: 'A' }, peers: [] })).toEqual({
      room: null,
      self: { id: to, name: 'A' },
      peers: [],
    });
    expect(parsePeerJoined({ id: to, name: '  Ann  ', extra: 1 })).toEqual({ id: to, name: 'Ann' });
    expect(parsePeerEvent({ id: to, extra: 1 })).toEqual({ id: to });
  });

  it('refuse anything else', () => {
    const self = { id: to, name: 'A' };
    const tooLong = 'a'.repeat(DEFAULT_LIMITS.maxPeerIdLength + 1);
    for (const bad of [
      null,
      undefined,
      'x',
      [],
      {},
      { peers: [] }, // the old shape
      { room: null, peers: [] },
      { room: null, self, peers: 'x' },
      { room: null, self, peers: [to] },
      { room: null, self, peers: [{ id: '', name: 'B' }] },
      { room: null, self, peers: [{ id: tooLong, name: 'B' }] },
      { room: null, self, peers: [{ id: other, name: 'B\u0000' }] },
      { room: null, self: { id: to }, peers: [] },
      { room: 'bad room!', self, peers: [] },
      { room: 7, self, peers: [] },
    ]) {
      expect(parsePeerList(bad)).toBeNull();
    }
    for (const bad of [null, { id: to }, { id: to, name: '' }, { id: 7, name: 'A' }]) {
      expect(parsePeerJoined(bad)).toBeNull();
    }
    for (const bad of [null, {}, { id: 7 }, { id: '' }, { id: tooLong }, [to]]) {
      expect(parsePeerEvent(bad)).toBeNull();
    }
    expect(isPeerId(to)).toBe(true);
    expect(isPeerId(tooLong)).toBe(false);
  });
});

describe('display names', () => {
  it.each([
    ['Ann', 'Ann'],
    ['  Ann \t Lee \n', 'Ann Lee'],
    ['Zoë', 'Zoë'],
    ['Zoe\u0308', 'Zoë'], // NFC
    ['李小龍', '李小龍'],
    ['x'.repeat(40), 'x'.repeat(40)],
    ['😀'.repeat(40), '😀'.repeat(40)], // counted in characters, not UTF-16 units
  ])('accepts %j as %j', (input, name) => {
    expect(validateDisplayName(input)).toEqual({ ok: true, value: name });
  });

  it.each([
    ['empty', ''],
    ['blank', ' \t '],
    ['too long', 'x'.repeat(41)],
    ['a control character', 'Bell\u0007'],
    ['a NUL', 'a\u0000b'],
    ['a right-to-left override', 'evil\u202Egnp.exe'],
    ['an isolate', 'a\u2066b'],
    ['a lone surrogate', 'a\ud800b'],
    ['private use', 'a\ue000'],
    ['not text', 42],
  ])('refuses %s', (_name, input) => {
    expect(validateDisplayName(input)).toMatchObject({ ok: false, code: 'invalid-payload' });
  });

  it('honours a custom length', () => {
    expect(validateDisplayName('abcd', { maxNameLength: 3 })).toMatchObject({ ok: false });
  });
});

describe('handshake auth', () => {
  const key = newRoomKey();

  it('accepts nothing at all (a tutorial client) and every field', () => {
    const none = { ok: true, value: { room: null, key: null, name: null, accessKey: null } };
    expect(validateHandshake(undefined)).toEqual(none);
    expect(validateHandshake({})).toEqual(none);
    expect(validateHandshake({ room: null, key: undefined })).toEqual(none);
    expect(
      validateHandshake({ room: 'team_1-a', key, name: ' Ann ', accessKey: 'k', extra: 1 }),
    ).toEqual({ ok: true, value: { room: 'team_1-a', key, name: 'Ann', accessKey: 'k' } });
  });

  it.each([
    ['a room with a space', { room: 'a b' }],
    ['a too long room', { room: 'r'.repeat(65) }],
    ['a numeric room', { room: 5 }],
    ['a short key', { room: 'r', key: 'abc' }],
    ['a key with padding', { room: 'r', key: `${key}=` }],
    ['a name with a control character', { name: 'A\u0001' }],
    ['an empty access key', { accessKey: '' }],
    ['a too long access key', { accessKey: 'k'.repeat(MAX_ACCESS_KEY_LENGTH + 1) }],
  ])('refuses %s', (_name, auth) => {
    const result = validateHandshake(auth);
    expect(result).toMatchObject({ ok: false, code: 'invalid-payload' });
    expect(!result.ok && result.message).toMatch(/\S/);
  });
});

describe('room ids and keys', () => {
  it('newRoomKey gives at least 128 random bits of base64url, never twice', () => {
    const keys = Array.from({ length: 200 }, () => newRoomKey());
    for (const key of keys) {
      expect(key).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(key.length * 6).toBeGreaterThanOrEqual(128);
      expect(isAccessKey(key)).toBe(true);
    }
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('newRoomId gives valid, distinct room ids', () => {
    const ids = Array.from({ length: 200 }, () => newRoomId());
    expect(ids.every(isRoomId)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('connectErrorCode', () => {
  it('reads the code of a refused handshake, and nothing else', () => {
    const refused = Object.assign(new Error('no'), { data: { code: 'unauthorized' } });
    expect(connectErrorCode(refused)).toBe('unauthorized');
    expect(connectErrorCode({ data: { code: 'rate-limited' } })).toBe('rate-limited');
    for (const other of [
      new Error('websocket error'),
      Object.assign(new Error('x'), { data: { code: 'teapot' } }),
      Object.assign(new Error('x'), { data: null }),
      null,
      'unauthorized',
    ]) {
      expect(connectErrorCode(other)).toBeNull();
    }
  });
});

describe('helpers', () => {
  it('payloadBytes counts UTF-8 JSON bytes', () => {
    expect(payloadBytes({ a: 'é' })).toBe(JSON.stringify({ a: 'é' }).length + 1);
    expect(payloadBytes(undefined)).toBe(0);
  });

  it('payloadBytesBound is never under payloadBytes, and gives up on what is not plain data', () => {
    const payloads: unknown[] = [
      { offer: sampleOffer(1), to },
      { candidate: sampleCandidate(2), to, extra: [1.5e-7, -0.000001234567890123, true, null] },
      // Worst cases of escaping: control characters, lone surrogates, quotes, non-ASCII.
      { to: '\u0001\u001f"\\', sdp: '\ud800x\udfff\u00e9\u4e2d😀', list: [undefined, () => 1] },
      { nested: { a: { b: [{ c: 'd' }] } } },
      Object.assign(Object.create(null) as object, { to: 'x' }),
    ];
    for (const payload of payloads) {
      expect(payloadBytesBound(payload)).toBeGreaterThanOrEqual(payloadBytes(payload));
    }
    const deep = { a: { b: { c: { d: { e: 'too deep' } } } } };
    const wide = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i]));
    const binary = { to, data: new Uint8Array(4) };
    const custom = { to, toJSON: () => 'x'.repeat(100) };
    for (const payload of [deep, wide, binary, custom, { n: 1n }]) {
      expect(payloadBytesBound(payload)).toBe(Infinity);
    }
  });

  it('counts exactly near the limit: too-large only past it', () => {
    const padded = (sdpLength: number) => ({
      offer: { type: 'offer', sdp: `v=0\r\n${'a'.repeat(sdpLength - 5)}` },
      to,
    });
    const overhead = payloadBytes(padded(5)) - 5;
    const limits = { ...DEFAULT_LIMITS, maxPayloadBytes: 1000 };
    expect(validateRelayRequest(Events.offer, padded(1000 - overhead), limits).ok).toBe(true);
    expect(validateRelayRequest(Events.offer, padded(1001 - overhead), limits)).toMatchObject({
      ok: false,
      code: 'too-large',
      message: `"offer" payload is 1001 bytes; the limit is 1000`,
    });
  });

  it('isAck recognises acks only', () => {
    expect(isAck({ ok: true })).toBe(true);
    expect(isAck({ ok: false, code: 'unknown-peer', message: 'gone' })).toBe(true);
    expect(isAck({ ok: false })).toBe(false);
    expect(isAck(null)).toBe(false);
    expect(isAck('ok')).toBe(false);
  });

  it('validateRelayed checks what a client receives', () => {
    expect(validateRelayed(Events.offer, { offer: sampleOffer(), from: to })).toEqual({
      ok: true,
      value: { offer: sampleOffer(), from: to },
    });
    expect(validateRelayed(Events.hangUp, { from: to })).toEqual({ ok: true, value: { from: to } });
    expect(validateRelayed(Events.hangUp, { from: to, reason: 'busy' })).toEqual({
      ok: true,
      value: { from: to, reason: 'busy' },
    });
    expect(validateRelayed(Events.ringing, { from: to })).toEqual({
      ok: true,
      value: { from: to },
    });
    expect(validateRelayed(Events.ringing, {})).toMatchObject({ ok: false });
    expect(validateRelayed(Events.offer, { offer: sampleOffer() })).toMatchObject({ ok: false });
    expect(validateRelayed(Events.candidate, { candidate: 'x', from: to })).toMatchObject({
      ok: false,
    });
  });
});
