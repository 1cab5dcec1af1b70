/**
 * Main's side of the bridge: one `ipcMain.handle` per {@link InvokeChannels} entry and one
 * forwarded event per {@link EventChannels} entry. Every handler first checks that the sender is
 * the app's own page, then treats its arguments as `unknown` until a validator narrows them.
 */
import type {
  HostRequest,
  IncomingFile,
  JoinRequest,
  SignalingBridge,
  Unsubscribe,
} from '../common/bridge-api.js';
import { CodedError } from '../common/errors.js';
import {
  EVENT_NAMES,
  EventChannels,
  InvokeChannels,
  type EventName,
  type EventPayloads,
  type InvokeArgs,
  type InvokeMethod,
  SESSION_METHODS,
  type ServiceMethod,
} from '../common/ipc-contract.js';
import { MAX_LINK_LENGTH } from '../common/links.js';
import {
  DEFAULT_LIMITS,
  Events,
  isAccessKey,
  isRoomId,
  validateDisplayName,
  validateRelayRequest,
  type RelayEvent,
} from '../common/protocol.js';
import type { SessionApi } from './session.js';

/** The part of Electron's `ipcMain` used here, so tests can pass a stand-in. */
export interface IpcMainLike<TEvent> {
  handle(channel: string, listener: (event: TEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

/** The part of the controller main forwards events from. */
export interface EventSource {
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): Unsubscribe;
}

/**
 * Screen picking, links and received files: main's own modules (display-capture.ts,
 * downloads.ts, and Electron's shell for links) serve these, not the session.
 */
export type DesktopServices = { [M in ServiceMethod]: SignalingBridge[M] };

/** Largest chunk of a received file accepted in one invoke. */
export const MAX_FILE_CHUNK = 1024 * 1024;
/** Longest file name accepted from the page (main shortens it further when saving). */
const MAX_FILE_NAME = 1024;
/** Longest display source id accepted (Electron's are `window:<id>:<n>`). */
const MAX_SOURCE_ID = 256;

/** Longest server address accepted from the page. */
const MAX_URL_LENGTH = 2048;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function expectArgs(method: InvokeMethod, args: unknown[], count: number): void {
  if (args.length !== count) {
    throw new Error(`${method} expects ${count} argument(s), got ${args.length}`);
  }
}

function peerId(method: InvokeMethod, value: unknown): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > DEFAULT_LIMITS.maxPeerIdLength
  ) {
    throw new Error(
      `${method}: the peer id must be a non-empty string of at most ` +
        `${DEFAULT_LIMITS.maxPeerIdLength} characters`,
    );
  }
  return value;
}

function url(method: InvokeMethod, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_URL_LENGTH) {
    throw new Error(`${method}: the server address must be a non-empty string`);
  }
  return value;
}

function displayName(method: InvokeMethod, value: unknown): string {
  const name = validateDisplayName(value);
  if (!name.ok) throw new Error(`${method}: ${name.message}`);
  return name.value;
}

function hostRequest(value: unknown): HostRequest {
  if (!isRecord(value)) throw new Error('host: expected {name}');
  const request: HostRequest = { name: displayName('host', value.name) };
  if (value.forwardPort !== undefined) {
    if (typeof value.forwardPort !== 'boolean') {
      throw new Error('host: forwardPort must be a boolean');
    }
    request.forwardPort = value.forwardPort;
  }
  return request;
}

function joinRequest(value: unknown): JoinRequest {
  if (!isRecord(value)) throw new Error('join: expected {url, name, fingerprint?, replacePin?}');
  const request: JoinRequest = {
    url: url('join', value.url),
    name: displayName('join', value.name),
  };
  if (value.fingerprint !== undefined && value.fingerprint !== null && value.fingerprint !== '') {
    if (typeof value.fingerprint !== 'string' || value.fingerprint.length > 200) {
      throw new Error('join: the fingerprint must be a string');
    }
    request.fingerprint = value.fingerprint;
  }
  if (value.replacePin !== undefined) {
    if (typeof value.replacePin !== 'boolean')
      throw new Error('join: replacePin must be a boolean');
    request.replacePin = value.replacePin;
  }
  if (value.room !== undefined || value.key !== undefined) {
    if (!isRoomId(value.room) || !isAccessKey(value.key)) {
      throw new Error('join: room and key must be a room id and a room key');
    }
    request.room = value.room;
    request.key = value.key;
  }
  return request;
}

function shortString(method: InvokeMethod, what: string, value: unknown, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new Error(`${method}: ${what} must be a non-empty string of at most ${max} characters`);
  }
  return value;
}

function boolean(method: InvokeMethod, what: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new Error(`${method}: ${what} must be a boolean`);
  return value;
}

function incomingFile(value: unknown): IncomingFile {
  if (!isRecord(value)) throw new Error('saveFileStart: expected {name, size}');
  const name = shortString('saveFileStart', 'the file name', value.name, MAX_FILE_NAME);
  if (typeof value.size !== 'number' || !Number.isSafeInteger(value.size) || value.size < 0) {
    throw new Error('saveFileStart: the size must be a whole number of bytes');
  }
  return { name, size: value.size };
}

function fileChunk(value: unknown): Uint8Array {
  // Structured clone gives main a Uint8Array for the page's Uint8Array (or its ArrayBuffer).
  const chunk = value instanceof ArrayBuffer ? new Uint8Array(value) : value;
  if (!(chunk instanceof Uint8Array) || chunk.byteLength > MAX_FILE_CHUNK) {
    throw new Error(`saveFileChunk: the chunk must be bytes, at most ${MAX_FILE_CHUNK}`);
  }
  return chunk;
}

/** Validates a relayed message's body with the protocol's own checks (same ones the server uses). */
function relayed<E extends RelayEvent>(method: InvokeMethod, event: E, to: unknown, body: object) {
  const checked = validateRelayRequest(event, { ...body, to: peerId(method, to) });
  if (!checked.ok) throw new Error(`${method}: ${checked.message}`);
  return checked.value;
}

/** Turns a channel's raw arguments into the bridge method's typed arguments, or throws. */
const validators: { [M in InvokeMethod]: (args: unknown[]) => InvokeArgs<M> } = {
  host: (args) => {
    expectArgs('host', args, 1);
    return [hostRequest(args[0])];
  },
  newInvite: (args) => {
    expectArgs('newInvite', args, 0);
    return [];
  },
  leave: (args) => {
    expectArgs('leave', args, 0);
    return [];
  },
  join: (args) => {
    expectArgs('join', args, 1);
    return [joinRequest(args[0])];
  },
  probeCertificate: (args) => {
    expectArgs('probeCertificate', args, 1);
    return [url('probeCertificate', args[0])];
  },
  sendOffer: (args) => {
    expectArgs('sendOffer', args, 2);
    const { to, offer } = relayed('sendOffer', Events.offer, args[0], { offer: args[1] });
    return [to, offer];
  },
  sendAnswer: (args) => {
    expectArgs('sendAnswer', args, 2);
    const { to, answer } = relayed('sendAnswer', Events.answer, args[0], { answer: args[1] });
    return [to, answer];
  },
  sendCandidate: (args) => {
    expectArgs('sendCandidate', args, 2);
    const { to, candidate } = relayed('sendCandidate', Events.candidate, args[0], {
      candidate: args[1],
    });
    return [to, candidate];
  },
  sendRinging: (args) => {
    expectArgs('sendRinging', args, 1);
    return [peerId('sendRinging', args[0])];
  },
  sendHangUp: (args) => {
    // The reason is optional: one or two arguments.
    if (args.length !== 1 && args.length !== 2) {
      throw new Error(`sendHangUp expects 1 or 2 argument(s), got ${args.length}`);
    }
    const body = args[1] === undefined ? {} : { reason: args[1] };
    const { to, reason } = relayed('sendHangUp', Events.hangUp, args[0], body);
    return reason ? [to, reason] : [to];
  },
  listDisplaySources: (args) => {
    expectArgs('listDisplaySources', args, 0);
    return [];
  },
  chooseDisplaySource: (args) => {
    expectArgs('chooseDisplaySource', args, 2);
    const id = shortString('chooseDisplaySource', 'the source id', args[0], MAX_SOURCE_ID);
    return [id, boolean('chooseDisplaySource', 'audio', args[1])];
  },
  openExternal: (args) => {
    expectArgs('openExternal', args, 1);
    // Which links may open is the service's decision (common/links.ts); here only the shape.
    return [shortString('openExternal', 'the link', args[0], MAX_LINK_LENGTH)];
  },
  saveFileStart: (args) => {
    expectArgs('saveFileStart', args, 1);
    return [incomingFile(args[0])];
  },
  saveFileChunk: (args) => {
    expectArgs('saveFileChunk', args, 2);
    return [shortString('saveFileChunk', 'the sink id', args[0], 64), fileChunk(args[1])];
  },
  saveFileEnd: (args) => {
    expectArgs('saveFileEnd', args, 2);
    const id = shortString('saveFileEnd', 'the sink id', args[0], 64);
    return [id, boolean('saveFileEnd', 'keep', args[1])];
  },
};

/** Services a main without them (tests of the session alone) answers with `unsupported`. */
function unsupportedServices(): DesktopServices {
  const refuse = (): Promise<never> =>
    Promise.reject(new CodedError('unsupported', 'Not available in this build of the app.'));
  return {
    listDisplaySources: refuse,
    chooseDisplaySource: refuse,
    openExternal: refuse,
    saveFileStart: refuse,
    saveFileChunk: refuse,
    saveFileEnd: refuse,
  };
}

/**
 * Registers one handler per invoke channel. Returns a function removing them all.
 * @param isTrustedSender true only for the app's own page (in Electron: the sender frame is the
 *   main window's top frame showing the app's URL).
 */
export function registerIpcHandlers<TEvent>(
  ipcMain: IpcMainLike<TEvent>,
  session: SessionApi,
  isTrustedSender: (event: TEvent) => boolean,
  services: DesktopServices = unsupportedServices(),
): () => void {
  const owner = (method: InvokeMethod): object =>
    (SESSION_METHODS as readonly string[]).includes(method) ? session : services;
  const register = <M extends InvokeMethod>(method: M): void => {
    const channel = InvokeChannels[method];
    ipcMain.handle(channel, async (event, ...args) => {
      if (!isTrustedSender(event)) {
        throw new Error(`Refused ${channel}: the request does not come from the Appel window`);
      }
      const valid = validators[method](args);
      const target = owner(method) as Record<M, (...a: InvokeArgs<M>) => unknown>;
      // Called on its owner: the session controller's methods use its private fields.
      return await target[method](...valid);
    });
  };
  const methods = Object.keys(InvokeChannels) as InvokeMethod[];
  methods.forEach(register);
  return () => {
    for (const method of methods) ipcMain.removeHandler(InvokeChannels[method]);
  };
}

/** Forwards every controller event to the page on its channel. Returns an unsubscribe. */
export function forwardEvents(
  source: EventSource,
  send: <E extends EventName>(
    channel: (typeof EventChannels)[E],
    payload: EventPayloads[E],
  ) => void,
): Unsubscribe {
  const unsubscribes = EVENT_NAMES.map((name) =>
    source.on(name, (payload) => send(EventChannels[name], payload)),
  );
  return () => unsubscribes.forEach((unsubscribe) => unsubscribe());
}
