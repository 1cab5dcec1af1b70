/**
 * Main's side of the bridge: one `ipcMain.handle` per {@link InvokeChannels} entry and one
 * forwarded event per {@link EventChannels} entry. Every handler first checks that the sender is
 * the app's own page, then treats its arguments as `unknown` until a validator narrows them.
 */
import type { HostRequest, JoinRequest, Unsubscribe } from '../common/bridge-api.js';
import {
  EVENT_NAMES,
  EventChannels,
  InvokeChannels,
  type EventName,
  type EventPayloads,
  type InvokeArgs,
  type InvokeMethod,
} from '../common/ipc-contract.js';
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
};

/**
 * Registers one handler per invoke channel. Returns a function removing them all.
 * @param isTrustedSender true only for the app's own page (in Electron: the sender frame is the
 *   main window's top frame showing the app's URL).
 */
export function registerIpcHandlers<TEvent>(
  ipcMain: IpcMainLike<TEvent>,
  controller: SessionApi,
  isTrustedSender: (event: TEvent) => boolean,
): () => void {
  const register = <M extends InvokeMethod>(method: M): void => {
    const channel = InvokeChannels[method];
    ipcMain.handle(channel, async (event, ...args) => {
      if (!isTrustedSender(event)) {
        throw new Error(`Refused ${channel}: the request does not come from the Appel window`);
      }
      const valid = validators[method](args);
      const call = controller[method] as (...a: InvokeArgs<M>) => ReturnType<SessionApi[M]>;
      return await call.apply(controller, valid);
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
