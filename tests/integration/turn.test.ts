/**
 * TURN credentials: the pure minting and checks of signaling-server/turn.ts, the `iceServers`
 * of the room welcome, and a real coturn (`use-auth-secret`) judging what the real server mints:
 * a fresh credential allocates a relay; an expired, forged or tampered one is refused.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import type { IceServer } from '../../common/protocol.js';
import { createLogger } from '../../signaling-server/log.js';
import { createSignalingServer } from '../../signaling-server/server.js';
import {
  iceServersFor,
  iceUrlProblem,
  mintTurnCredential,
  resolveIceConfig,
  TURN_DEFAULTS,
} from '../../signaling-server/turn.js';
import { startCoturn, type Coturn } from '../support/coturn.js';
import { getTestCertificate, startServer } from '../support/server-harness.js';
import { allocate, type Allocation, type TurnError } from '../support/turn-client.js';

const SECRET = 'north-wind-turn-secret-0123';
const TURN_URL = 'turn:turn.example.com:3478?transport=udp';

describe('TURN REST API credentials (pure)', () => {
  it('mints username "<expiry>:<identity>" and base64(HMAC-SHA1(secret, username))', () => {
    // Expected value from `printf %s 1700000000:AbCd… | openssl dgst -sha1 -hmac … | base64`.
    expect(mintTurnCredential(SECRET, 'AbCdEfGhIjKlMnOpQrSt', 1_700_000_000)).toEqual({
      username: '1700000000:AbCdEfGhIjKlMnOpQrSt',
      credential: 'kMqtNkOXny25+NAcUtRGqZyX6R0=',
    });
  });

  it('refuses an identity with ":" (coturn reads the expiry up to the first one)', () => {
    expect(() => mintTurnCredential(SECRET, 'a:b', 1)).toThrow(/cannot contain ":"/);
  });

  it('hands out STUN first, then TURN with a credential valid for the TTL', () => {
    const config = resolveIceConfig({
      turn: { secret: SECRET, urls: [TURN_URL, 'turns:turn.example.com:5349'], ttlSeconds: 3600 },
      stunUrls: ['stun:stun.example.com:3478'],
    });
    const now = 1_700_000_000_500;
    expect(iceServersFor(config!, 'sock1', now)).toEqual([
      { urls: ['stun:stun.example.com:3478'] },
      {
        urls: [TURN_URL, 'turns:turn.example.com:5349'],
        ...mintTurnCredential(SECRET, 'sock1', 1_700_000_000 + 3600),
      },
    ]);
  });

  it('configures nothing by default, and defaults the TTL to a day', () => {
    expect(resolveIceConfig({})).toBeUndefined();
    expect(resolveIceConfig({ stunUrls: [] })).toBeUndefined();
    expect(resolveIceConfig({ turn: { secret: SECRET, urls: [TURN_URL] } })?.turn?.ttlSeconds).toBe(
      TURN_DEFAULTS.ttlSeconds,
    );
    expect(TURN_DEFAULTS.ttlSeconds).toBe(86_400);
  });

  it.each([
    ['turn:127.0.0.1:3478?transport=udp', 'turn', true],
    ['turn:[::1]:3478?transport=tcp', 'turn', true],
    ['turns:turn.example.com', 'turn', true],
    ['stun:stun.example.com:19302', 'stun', true],
    ['stun:turn.example.com?transport=udp', 'stun', false],
    ['turn:turn.example.com', 'stun', false],
    ['stun:stun.example.com', 'turn', false],
    ['https://turn.example.com', 'turn', false],
    ['turn:user:pw@turn.example.com', 'turn', false],
    ['turn:turn.example.com:0', 'turn', false],
    ['turn:turn.example.com:70000', 'turn', false],
    ['turn:turn.example.com?transport=sctp', 'turn', false],
    ['turn: turn.example.com', 'turn', false],
  ] as const)('%s as a %s URL: %s', (url, kind, fine) => {
    expect(iceUrlProblem(url, kind) === null).toBe(fine);
  });

  it.each<[Parameters<typeof resolveIceConfig>[0], RegExp]>([
    [{ turn: { secret: 'short', urls: [TURN_URL] } }, /turn\.secret must be 16 to 256 characters/],
    [{ turn: { secret: 'has a space in it!', urls: [TURN_URL] } }, /printable ASCII/],
    [{ turn: { secret: SECRET, urls: [] } }, /turn\.urls needs at least one URL/],
    [{ turn: { secret: SECRET, urls: ['stun:x.example'] } }, /turn\.urls: "stun:x\.example"/],
    [{ turn: { secret: SECRET, urls: [TURN_URL], ttlSeconds: 10 } }, /from 60 to 604800/],
    [{ turn: { secret: SECRET, urls: [TURN_URL], ttlSeconds: 1.5 } }, /turn\.ttlSeconds/],
    [{ stunUrls: ['turn:x.example'] }, /stunUrls: "turn:x\.example" is not a stun: URL/],
    [{ stunUrls: Array.from({ length: 9 }, () => 'stun:x.example') }, /more than 8 URLs/],
  ])('refuses %j with a clear RangeError that never quotes the secret', (options, message) => {
    const attempt = (): unknown => resolveIceConfig(options);
    expect(attempt).toThrow(RangeError);
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (error) {
      const secret = options.turn?.secret;
      if (secret) expect(String(error)).not.toContain(secret);
    }
  });
});

/** The TURN entry of a welcome. */
function turnEntry(iceServers: IceServer[] | undefined): Required<IceServer> {
  const entry = iceServers?.find((server) => server.username !== undefined);
  if (!entry?.username || entry.credential === undefined) throw new Error('no TURN credential');
  return { urls: entry.urls, username: entry.username, credential: entry.credential };
}

describe('the room welcome', () => {
  it('carries no iceServers field when none is configured', async () => {
    const harness = await startServer();
    const { list } = await harness.connect({ name: 'Ana' });
    expect(list).not.toHaveProperty('iceServers');
  });

  it('carries the STUN URLs alone when only those are configured', async () => {
    const harness = await startServer({ stunUrls: ['stun:127.0.0.1:3478'] });
    const { list } = await harness.connect({ name: 'Ana' });
    expect(list.iceServers).toEqual([{ urls: ['stun:127.0.0.1:3478'] }]);
  });

  it('gives each connection its own credential, named by socket id, never by display name', async () => {
    const lines: string[] = [];
    const logger = createLogger('appel:test', { debug: true, write: (line) => lines.push(line) });
    const harness = await startServer({
      logger,
      turn: { secret: SECRET, urls: [TURN_URL], ttlSeconds: 600 },
    });
    const before = Math.floor(Date.now() / 1000);
    const ana = await harness.connect({ name: 'Ana' });
    const bruno = await harness.connect({ name: 'Bruno' });
    const after = Math.floor(Date.now() / 1000);
    for (const { id, list } of [ana, bruno]) {
      const entry = turnEntry(list.iceServers);
      expect(entry.urls).toEqual([TURN_URL]);
      const [expiry, identity] = entry.username.split(':');
      expect(identity).toBe(id);
      expect(Number(expiry)).toBeGreaterThanOrEqual(before + 600);
      expect(Number(expiry)).toBeLessThanOrEqual(after + 600);
      expect(entry).toMatchObject(mintTurnCredential(SECRET, id, Number(expiry)));
      expect(entry.username).not.toMatch(/Ana|Bruno/);
    }
    // A reconnection is a new socket: a new welcome with a new credential.
    ana.socket.disconnect();
    const again = await harness.connect({ name: 'Ana' });
    expect(turnEntry(again.list.iceServers).username).not.toBe(
      turnEntry(ana.list.iceServers).username,
    );
    const log = lines.join('\n');
    expect(log).toContain('turn.example.com');
    expect(log).not.toContain(SECRET);
    for (const { list } of [ana, bruno, again]) {
      expect(log).not.toContain(turnEntry(list.iceServers).credential);
    }
  });

  it('createSignalingServer refuses bad TURN options before listening', async () => {
    const tls = await getTestCertificate();
    await expect(
      createSignalingServer({
        tls,
        host: '127.0.0.1',
        port: 0,
        turn: { secret: SECRET, urls: ['http://turn.example.com'] },
      }),
    ).rejects.toThrow(/turn\.urls: "http:\/\/turn\.example\.com" is not a turn: or turns: URL/);
  });
});

describe('a real coturn with use-auth-secret', () => {
  async function coturn(): Promise<Coturn> {
    const server = await startCoturn();
    onTestFinished(() => server.stop());
    return server;
  }

  async function allocateWith(
    server: Coturn,
    username: string,
    password: string,
  ): Promise<Allocation | TurnError> {
    const result = await allocate(
      { address: server.host, port: server.port },
      { username, password },
    );
    if (result.ok) onTestFinished(() => result.close());
    return result;
  }

  it('allocates a relay with a credential from the real server’s welcome', async () => {
    const turn = await coturn();
    const harness = await startServer({ turn: { secret: turn.secret, urls: [turn.url] } });
    const { list } = await harness.connect({ name: 'Ana' });
    const entry = turnEntry(list.iceServers);
    expect(entry.urls).toEqual([turn.url]);

    const allocation = await allocateWith(turn, entry.username, entry.credential);

    expect(allocation).toMatchObject({ ok: true, integrityVerified: true });
    if (!allocation.ok) throw new Error(`refused: ${allocation.code} ${allocation.reason}`);
    expect(allocation.relayed.address).toBe('127.0.0.1');
    expect(allocation.relayed.port).toBeGreaterThanOrEqual(turn.relayPortRange.min);
    expect(allocation.relayed.port).toBeLessThanOrEqual(turn.relayPortRange.max);
    expect(allocation.lifetime).toBeGreaterThan(0);
    expect(await allocation.refresh(600)).toMatchObject({ ok: true });
  });

  it('refuses an expired credential', async () => {
    const turn = await coturn();
    const expired = mintTurnCredential(turn.secret, 'sock1', Math.floor(Date.now() / 1000) - 60);
    expect(await allocateWith(turn, expired.username, expired.credential)).toMatchObject({
      ok: false,
      code: 401,
    });
  });

  it('refuses forged credentials: another secret, a stretched expiry, another identity', async () => {
    const turn = await coturn();
    const expiry = Math.floor(Date.now() / 1000) + 600;
    const good = mintTurnCredential(turn.secret, 'sock1', expiry);
    const forged = mintTurnCredential(`${turn.secret}x`, 'sock1', expiry);
    const attempts = [
      [forged.username, forged.credential],
      [`${expiry + 86_400}:sock1`, good.credential],
      [`${expiry}:sock2`, good.credential],
    ] as const;
    for (const [username, password] of attempts) {
      expect(await allocateWith(turn, username, password)).toMatchObject({ ok: false, code: 401 });
    }
    // The same server takes the genuine one: the refusals are about the credentials.
    expect(await allocateWith(turn, good.username, good.credential)).toMatchObject({ ok: true });
  });

  it('refuses new relays once a credential expired, yet keeps refreshing an older one', async () => {
    const turn = await coturn();
    const short = mintTurnCredential(turn.secret, 'sock1', Math.floor(Date.now() / 1000) + 2);
    const allocation = await allocateWith(turn, short.username, short.credential);
    if (!allocation.ok) throw new Error(`refused: ${allocation.code} ${allocation.reason}`);

    await expect
      .poll(() => allocateWith(turn, short.username, short.credential), { timeout: 6000 })
      .toMatchObject({ ok: false, code: 401 });
    // coturn checks the expiry when it allocates: the TTL bounds new calls, not running ones.
    expect(await allocation.refresh(600)).toMatchObject({ ok: true });
  });
});
