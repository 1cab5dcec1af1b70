/**
 * A minimal TURN client over UDP (RFC 8656, message format RFC 8489), enough to ask a real TURN
 * server whether a credential is good: Allocate with the long-term credential mechanism (an
 * unauthenticated request, the 401 with REALM and NONCE, the request again with USERNAME, REALM,
 * NONCE and MESSAGE-INTEGRITY keyed MD5(username:realm:password)), Refresh, and a STUN Binding to
 * see that the server answers at all. IPv4 only; no retransmission backoff beyond a fixed period.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

const MAGIC_COOKIE = 0x2112a442;
const HEADER_BYTES = 20;

/** Message types: method | class bits (RFC 8489 §5). */
const Type = {
  bindingRequest: 0x0001,
  bindingSuccess: 0x0101,
  allocateRequest: 0x0003,
  allocateSuccess: 0x0103,
  allocateError: 0x0113,
  refreshRequest: 0x0004,
  refreshSuccess: 0x0104,
  refreshError: 0x0114,
} as const;

const Attr = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  lifetime: 0x000d,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedTransport: 0x0019,
  xorMappedAddress: 0x0020,
} as const;

/** UDP, as REQUESTED-TRANSPORT's protocol number. */
const UDP = 17;

export interface TransportAddress {
  address: string;
  port: number;
}

export interface TurnCredentials {
  username: string;
  password: string;
}

/** A TURN error response: the code (401, 437, 438…) and the server's reason phrase. */
export interface TurnError {
  ok: false;
  code: number;
  reason: string;
}

export interface Allocation {
  ok: true;
  /** XOR-RELAYED-ADDRESS: where peers reach us through the server. */
  relayed: TransportAddress;
  /** XOR-MAPPED-ADDRESS: our address as the server saw it. */
  mapped: TransportAddress | null;
  /** LIFETIME granted, in seconds. */
  lifetime: number;
  /** Whether the success response's MESSAGE-INTEGRITY checked out with our key. */
  integrityVerified: boolean;
  /** Refreshes the allocation (0 releases it); the server's answer. */
  refresh(lifetimeSeconds: number): Promise<{ ok: true; lifetime: number } | TurnError>;
  /** Releases the allocation (Refresh with lifetime 0) and closes the socket. */
  close(): Promise<void>;
}

interface Attribute {
  type: number;
  value: Buffer;
}

interface Message {
  type: number;
  transactionId: Buffer;
  attributes: Attribute[];
  raw: Buffer;
}

function padded(length: number): number {
  return Math.ceil(length / 4) * 4;
}

function encodeAttribute({ type, value }: Attribute): Buffer {
  const out = Buffer.alloc(4 + padded(value.length));
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(value.length, 2);
  value.copy(out, 4);
  return out;
}

/** Encodes a message; with `key`, appends MESSAGE-INTEGRITY over everything before it. */
function encode(
  type: number,
  transactionId: Buffer,
  attributes: Attribute[],
  key?: Buffer,
): Buffer {
  const body = Buffer.concat(attributes.map(encodeAttribute));
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(type, 0);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(header, 8);
  if (!key) {
    header.writeUInt16BE(body.length, 2);
    return Buffer.concat([header, body]);
  }
  // The length counts the MESSAGE-INTEGRITY attribute (24 bytes) the HMAC is computed before.
  header.writeUInt16BE(body.length + 24, 2);
  const hmac = createHmac('sha1', key).update(header).update(body).digest();
  return Buffer.concat([
    header,
    body,
    encodeAttribute({ type: Attr.messageIntegrity, value: hmac }),
  ]);
}

function decode(raw: Buffer): Message | null {
  if (raw.length < HEADER_BYTES || raw.readUInt32BE(4) !== MAGIC_COOKIE) return null;
  const length = raw.readUInt16BE(2);
  if (raw.length < HEADER_BYTES + length) return null;
  const attributes: Attribute[] = [];
  let offset = HEADER_BYTES;
  while (offset + 4 <= HEADER_BYTES + length) {
    const type = raw.readUInt16BE(offset);
    const size = raw.readUInt16BE(offset + 2);
    attributes.push({ type, value: raw.subarray(offset + 4, offset + 4 + size) });
    offset += 4 + padded(size);
  }
  return { type: raw.readUInt16BE(0), transactionId: raw.subarray(8, 20), attributes, raw };
}

function attribute(message: Message, type: number): Buffer | undefined {
  return message.attributes.find((attr) => attr.type === type)?.value;
}

function xorAddress(value: Buffer | undefined): TransportAddress | null {
  if (!value || value.length < 8 || value[1] !== 0x01) return null; // IPv4 only
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  const address = (value.readUInt32BE(4) ^ MAGIC_COOKIE) >>> 0;
  return {
    address: [24, 16, 8, 0].map((shift) => (address >>> shift) & 0xff).join('.'),
    port,
  };
}

function errorOf(message: Message): TurnError {
  const value = attribute(message, Attr.errorCode);
  if (!value || value.length < 4) return { ok: false, code: 0, reason: 'no ERROR-CODE attribute' };
  return {
    ok: false,
    code: (value[2]! & 0x07) * 100 + value[3]!,
    reason: value.subarray(4).toString('utf8'),
  };
}

/** Whether the MESSAGE-INTEGRITY of a received message matches `key`. */
function integrityMatches(message: Message, key: Buffer): boolean {
  const raw = message.raw;
  let offset = HEADER_BYTES;
  const end = HEADER_BYTES + raw.readUInt16BE(2);
  while (offset + 4 <= end) {
    const type = raw.readUInt16BE(offset);
    const size = raw.readUInt16BE(offset + 2);
    if (type === Attr.messageIntegrity) {
      const header = Buffer.from(raw.subarray(0, HEADER_BYTES));
      header.writeUInt16BE(offset + 24 - HEADER_BYTES, 2);
      const hmac = createHmac('sha1', key)
        .update(header)
        .update(raw.subarray(HEADER_BYTES, offset))
        .digest();
      return hmac.equals(raw.subarray(offset + 4, offset + 24));
    }
    offset += 4 + padded(size);
  }
  return false;
}

/** The long-term credential key: MD5(username ":" realm ":" password) (RFC 8489 §9.2.2). */
export function longTermKey(username: string, realm: string, password: string): Buffer {
  return createHash('md5').update(`${username}:${realm}:${password}`, 'utf8').digest();
}

/** One UDP socket talking to one server, request by request. */
class Transaction {
  private readonly socket: Socket;

  private constructor(
    socket: Socket,
    private readonly server: TransportAddress,
    private readonly timeoutMs: number,
  ) {
    this.socket = socket;
  }

  static async open(server: TransportAddress, timeoutMs: number): Promise<Transaction> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new Transaction(socket, server, timeoutMs);
  }

  /** Sends a request (again every 250 ms, as UDP may drop it) until its response arrives. */
  request(type: number, attributes: Attribute[], key?: Buffer): Promise<Message> {
    const transactionId = randomBytes(12);
    const packet = encode(type, transactionId, attributes, key);
    return new Promise<Message>((resolve, reject) => {
      const send = (): void => {
        this.socket.send(packet, this.server.port, this.server.address);
      };
      const resend = setInterval(send, 250);
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `no answer from ${this.server.address}:${this.server.port} within ${this.timeoutMs} ms`,
          ),
        );
      }, this.timeoutMs);
      const onMessage = (raw: Buffer): void => {
        const message = decode(raw);
        if (!message?.transactionId.equals(transactionId)) return;
        done();
        resolve(message);
      };
      const done = (): void => {
        clearInterval(resend);
        clearTimeout(timer);
        this.socket.off('message', onMessage);
      };
      this.socket.on('message', onMessage);
      send();
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

export interface TurnClientOptions {
  /** How long one request may wait for its answer. @default 3000 */
  timeoutMs?: number;
}

/** Sends a STUN Binding request; resolves with our address as the server saw it. */
export async function stunBinding(
  server: TransportAddress,
  options: TurnClientOptions = {},
): Promise<TransportAddress | null> {
  const transaction = await Transaction.open(server, options.timeoutMs ?? 3000);
  try {
    const response = await transaction.request(Type.bindingRequest, []);
    return response.type === Type.bindingSuccess
      ? xorAddress(attribute(response, Attr.xorMappedAddress))
      : null;
  } finally {
    await transaction.close();
  }
}

/**
 * Allocates a UDP relay on `server` with long-term credentials. Resolves with the allocation, or
 * with the error the server answered the authenticated request with (401 for a credential it
 * refuses); rejects only when the server does not answer, or answers nonsense.
 */
export async function allocate(
  server: TransportAddress,
  credentials: TurnCredentials,
  options: TurnClientOptions = {},
): Promise<Allocation | TurnError> {
  const transaction = await Transaction.open(server, options.timeoutMs ?? 3000);
  let keep = false;
  try {
    const transport: Attribute = {
      type: Attr.requestedTransport,
      value: Buffer.from([UDP, 0, 0, 0]),
    };
    const challenge = await transaction.request(Type.allocateRequest, [transport]);
    const first = challenge.type === Type.allocateError ? errorOf(challenge) : null;
    if (first?.code !== 401) {
      throw new Error(`expected a 401 challenge, got ${first ? first.code : 'success'}`);
    }
    const realm = attribute(challenge, Attr.realm)?.toString('utf8');
    let nonce = attribute(challenge, Attr.nonce);
    if (realm === undefined || nonce === undefined) {
      throw new Error('the 401 challenge carries no REALM or NONCE');
    }
    const key = longTermKey(credentials.username, realm, credentials.password);
    const auth = (): Attribute[] => [
      { type: Attr.username, value: Buffer.from(credentials.username, 'utf8') },
      { type: Attr.realm, value: Buffer.from(realm, 'utf8') },
      { type: Attr.nonce, value: nonce! },
    ];
    const response = await transaction.request(Type.allocateRequest, [transport, ...auth()], key);
    if (response.type !== Type.allocateSuccess) return errorOf(response);
    const relayed = xorAddress(attribute(response, Attr.xorRelayedAddress));
    if (!relayed) throw new Error('the Allocate success carries no XOR-RELAYED-ADDRESS');
    const lifetimeOf = (message: Message): number =>
      attribute(message, Attr.lifetime)?.readUInt32BE(0) ?? 0;

    const refresh = async (
      seconds: number,
    ): Promise<{ ok: true; lifetime: number } | TurnError> => {
      const lifetime = Buffer.alloc(4);
      lifetime.writeUInt32BE(seconds, 0);
      const attrs = (): Attribute[] => [{ type: Attr.lifetime, value: lifetime }, ...auth()];
      let answer = await transaction.request(Type.refreshRequest, attrs(), key);
      const error = answer.type === Type.refreshError ? errorOf(answer) : null;
      if (error?.code === 438) {
        // Stale nonce: the server sent a fresh one; one retry with it (RFC 8489 §9.2.5).
        nonce = attribute(answer, Attr.nonce) ?? nonce;
        answer = await transaction.request(Type.refreshRequest, attrs(), key);
      }
      return answer.type === Type.refreshSuccess
        ? { ok: true, lifetime: lifetimeOf(answer) }
        : errorOf(answer);
    };
    let closed = false;
    keep = true;
    return {
      ok: true,
      relayed,
      mapped: xorAddress(attribute(response, Attr.xorMappedAddress)),
      lifetime: lifetimeOf(response),
      integrityVerified: integrityMatches(response, key),
      refresh,
      async close() {
        if (closed) return;
        closed = true;
        try {
          await refresh(0);
        } finally {
          await transaction.close();
        }
      },
    };
  } finally {
    if (!keep) await transaction.close();
  }
}
