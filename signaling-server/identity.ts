/**
 * Stable peer identities. A peer's id is the socket id of its first connection; its welcome
 * carries a resume token, `{id, room, exp}` signed with HMAC-SHA256, which the client sends back
 * as `auth.resume` when it reconnects, and gets the same id. The signing key is derived from the
 * server's TLS private key, so a restarted server, and every node sharing the certificate, checks
 * tokens without keeping any state. A token that is forged, expired or for another room is
 * ignored: the client gets a fresh id, and its room key is checked as on any connection.
 *
 * Each socket joins the Socket.IO room named by its peer id, so `io.to(id)` reaches it on any
 * node; on its own node the relay writes to it directly ({@link Identities.socketOf}).
 *
 * A peer whose connection dropped (rather than one that left) is announced gone only when it has
 * not come back within the grace period, so the others' calls with it go on through a signaling
 * outage.
 */
import { createHmac, createPrivateKey, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { DisconnectReason } from 'socket.io';
import { RESUME_TOKEN_TTL_MS, isPeerId, type PeerId, type RoomId } from '../common/protocol.js';
import type { SignalingSocket } from './admission.js';
import type { Logger } from './log.js';
import type { SignalingIo } from './relay.js';
import type { RoomStore } from './rooms.js';

/** Why a resume token was ignored, for logs. */
export type ResumeRefusal = 'malformed' | 'signature' | 'expired' | 'other-room';

export type ResumeCheck = { ok: true; id: PeerId } | { ok: false; reason: ResumeRefusal };

/** What a token's payload holds: the peer id, its room (`null`: the default room), expiry (ms). */
interface ResumeClaim {
  id: PeerId;
  room: RoomId | null;
  exp: number;
}

/** How long a resuming client waits for an older connection holding its id to let go of it. */
const TAKEOVER_TIMEOUT_MS = 3000;
const TAKEOVER_POLL_MS = 25;

/**
 * Departures this node caused by closing connections: a shutdown, which no grace timer of this
 * node outlives, so other nodes hear at once. It closes them one by one, and a transport may
 * close (and its peer be announced) before the next is closed: announced a turn later, the news
 * reaches only other nodes' clients, as this node's own are closed by then and will resume their
 * ids elsewhere, or here once it is back.
 */
const CLOSED_HERE: ReadonlySet<DisconnectReason> = new Set<DisconnectReason>([
  'forced close',
  'server shutting down',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Issues and checks resume tokens with a key derived from the TLS private key. */
export class ResumeTokens {
  readonly #key: Buffer;
  readonly #ttlMs: number;

  constructor(tlsKeyPem: string, ttlMs: number = RESUME_TOKEN_TTL_MS) {
    // The DER of the key, so two PEM encodings of one key (PKCS#1, PKCS#8) sign alike.
    const der = createPrivateKey(tlsKeyPem).export({ type: 'pkcs8', format: 'der' });
    this.#key = Buffer.from(hkdfSync('sha256', der, 'appel', 'appel resume token v1', 32));
    this.#ttlMs = ttlMs;
  }

  #sign(payload: string): string {
    return createHmac('sha256', this.#key).update(payload).digest('base64url');
  }

  /** A token for peer `id` of `room`, valid for the TTL from `now`. */
  issue(id: PeerId, room: RoomId | null, now: number = Date.now()): string {
    const claim: ResumeClaim = { id, room, exp: now + this.#ttlMs };
    const payload = Buffer.from(JSON.stringify(claim)).toString('base64url');
    return `${payload}.${this.#sign(payload)}`;
  }

  /** The peer id `token` names, if this key signed it for `room` and it has not expired. */
  check(token: string, room: RoomId | null, now: number = Date.now()): ResumeCheck {
    const [payload, signature, extra] = token.split('.');
    if (payload === undefined || signature === undefined || extra !== undefined) {
      return { ok: false, reason: 'malformed' };
    }
    const expected = Buffer.from(this.#sign(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, reason: 'signature' };
    }
    let claim: unknown;
    try {
      claim = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'malformed' }; // Signed by us, so never; but not trusted blindly.
    }
    if (!isRecord(claim) || !isPeerId(claim.id) || typeof claim.exp !== 'number') {
      return { ok: false, reason: 'malformed' };
    }
    if (claim.exp <= now) return { ok: false, reason: 'expired' };
    if (claim.room !== room) return { ok: false, reason: 'other-room' };
    return { ok: true, id: claim.id };
  }
}

export interface IdentityDeps {
  io: SignalingIo;
  store: RoomStore;
  /** The PEM private key of the server's certificate: the token key is derived from it. */
  tlsKey: string;
  /** How long a dropped peer has to come back before its room hears it left. */
  graceMs: number;
  logger: Logger;
}

/** The peer ids of one node's sockets: who resumes which id, where it is, when it is gone. */
export class Identities {
  readonly tokens: ResumeTokens;
  readonly #deps: IdentityDeps;
  /** The socket holding each peer id on this node. */
  readonly #local = new Map<PeerId, SignalingSocket>();
  /** Departures waiting for their grace period, and how to announce each. */
  readonly #departing = new Map<PeerId, { timer: NodeJS.Timeout; announce: () => void }>();
  /** Sockets whose id a resuming connection took over: their peer did not leave. */
  readonly #replaced = new WeakSet<SignalingSocket>();

  constructor(deps: IdentityDeps) {
    this.#deps = deps;
    this.tokens = new ResumeTokens(deps.tlsKey);
  }

  /**
   * The peer id a connecting socket gets: its token's, when the token is genuine and for this
   * room (an older connection still holding that id is closed first), else its own socket id.
   */
  async claim(
    socket: SignalingSocket,
    resume: string | undefined,
    room: RoomId | null,
  ): Promise<PeerId> {
    if (resume === undefined) return socket.id;
    const { logger } = this.#deps;
    const checked = this.tokens.check(resume, room);
    if (!checked.ok) {
      logger.warn('resume token ignored', {
        reason: checked.reason,
        address: socket.handshake.address,
      });
      return socket.id;
    }
    if (!(await this.#free(checked.id))) {
      logger.warn('resume failed: the id is still held', { peer: checked.id });
      return socket.id;
    }
    logger.info('resumed', { peer: checked.id, id: socket.id });
    return checked.id;
  }

  /**
   * Frees `id` for the client resuming it: a connection of the same client that this server has
   * not seen drop yet (the client noticed first) is closed, on whichever node holds it.
   */
  async #free(id: PeerId): Promise<boolean> {
    const { io, store } = this.#deps;
    if ((await store.find(id)) === undefined) return true;
    const local = this.#local.get(id);
    if (local) {
      // Its transport only: were the token in other hands, its owner reconnects and resumes.
      this.#replaced.add(local);
      local.conn.close();
    } else {
      io.in(id).disconnectSockets(true); // On another node, which announces nothing: `find`.
    }
    const deadline = performance.now() + TAKEOVER_TIMEOUT_MS;
    while (performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, TAKEOVER_POLL_MS));
      if ((await store.find(id)) === undefined) return true;
    }
    return false;
  }

  /** The socket of this node holding peer id `id`. */
  socketOf(id: PeerId): SignalingSocket | undefined {
    return this.#local.get(id);
  }

  /** Records a connected socket under its peer id; a departure of that id waiting is called off. */
  connected(socket: SignalingSocket): void {
    const id = socket.data.peerId;
    this.#local.set(id, socket);
    const departing = this.#departing.get(id);
    if (departing) {
      clearTimeout(departing.timer);
      this.#departing.delete(id);
    }
  }

  /**
   * Forgets a disconnected socket and calls `announce` when its peer is gone: at once when it
   * left (or cannot resume: a tutorial client) or this node closed it, else after the grace
   * period, unless by then its id is held again, on any node.
   */
  disconnected(socket: SignalingSocket, reason: DisconnectReason, announce: () => void): void {
    const id = socket.data.peerId;
    if (this.#local.get(id) === socket) this.#local.delete(id);
    if (this.#replaced.has(socket)) return;
    if (CLOSED_HERE.has(reason)) {
      setImmediate(announce);
      return;
    }
    // The client left, or cannot resume (a tutorial client): there is nothing to wait for.
    if (!socket.data.presence || reason === 'client namespace disconnect') {
      announce();
      return;
    }
    const { store, graceMs, logger } = this.#deps;
    clearTimeout(this.#departing.get(id)?.timer);
    const timer = setTimeout(() => {
      this.#departing.delete(id);
      store.find(id).then(
        (member) => {
          if (member === undefined) announce();
        },
        (error: unknown) => {
          logger.error('departure check failed', { peer: id, error: String(error) });
          announce();
        },
      );
    }, graceMs);
    timer.unref();
    this.#departing.set(id, { timer, announce });
  }

  /** Announces every departure still in its grace period: the node is going away. */
  flush(): void {
    for (const { timer, announce } of this.#departing.values()) {
      clearTimeout(timer);
      announce();
    }
    this.#departing.clear();
  }
}
