/**
 * The desktop implementation of {@link SignalingBridge}: each method is one `ipcRenderer.invoke`
 * on its {@link InvokeChannels} channel, each `onX` one listener on its {@link EventChannels}
 * channel. The IPC object is passed in, so the same code runs under Electron's preload and in a
 * browser test with a substitute transport.
 */
import type { SignalingBridge, Unsubscribe } from '../common/bridge-api.js';
import {
  EventChannels,
  InvokeChannels,
  type EventName,
  type EventPayloads,
  type InvokeArgs,
  type InvokeMethod,
  type InvokeResult,
} from '../common/ipc-contract.js';

/** A listener as `ipcRenderer.on` calls it: the IPC event first, then the payload. */
export type IpcListener = (event: unknown, ...args: unknown[]) => void;

/** The part of Electron's `ipcRenderer` the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: IpcListener): unknown;
  removeListener(channel: string, listener: IpcListener): unknown;
}

/**
 * Electron rejects a failed invoke with "Error invoking remote method 'appel:join': Error: msg";
 * the page should see only "msg", the handler's own words.
 */
export function remoteErrorMessage(error: unknown): string {
  // Duck-typed: an Error from another realm (IPC, vm) fails `instanceof Error`.
  const message =
    typeof error === 'object' && error !== null && 'message' in error
      ? String(error.message)
      : String(error);
  return message.replace(/^Error invoking remote method '[^']*': (?:[A-Za-z]*Error: )?/, '');
}

export function createBridge(ipc: IpcRendererLike): SignalingBridge {
  const invoke = async <M extends InvokeMethod>(
    method: M,
    ...args: InvokeArgs<M>
  ): Promise<InvokeResult<M>> => {
    try {
      // Main's handler for this channel returns the bridge method's result (ipc-contract.ts).
      return (await ipc.invoke(InvokeChannels[method], ...args)) as InvokeResult<M>;
    } catch (error) {
      throw new Error(remoteErrorMessage(error), { cause: error });
    }
  };

  const subscribe = <E extends EventName>(
    name: E,
    listener: (payload: EventPayloads[E]) => void,
  ): Unsubscribe => {
    const channel = EventChannels[name];
    // Drops the IPC event: it carries the sender and ports, which the page must never see.
    const onEvent: IpcListener = (_event, payload) => listener(payload as EventPayloads[E]);
    ipc.on(channel, onEvent);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      ipc.removeListener(channel, onEvent);
    };
  };

  return {
    platform: 'desktop',
    host: (request) => invoke('host', request),
    newInvite: () => invoke('newInvite'),
    join: (request) => invoke('join', request),
    probeCertificate: (url) => invoke('probeCertificate', url),
    leave: () => invoke('leave'),
    sendOffer: (to, offer) => invoke('sendOffer', to, offer),
    sendAnswer: (to, answer) => invoke('sendAnswer', to, answer),
    sendCandidate: (to, candidate) => invoke('sendCandidate', to, candidate),
    sendRinging: (to) => invoke('sendRinging', to),
    sendHangUp: (to, reason) =>
      reason ? invoke('sendHangUp', to, reason) : invoke('sendHangUp', to),
    onOffer: (listener) => subscribe('offer', listener),
    onAnswer: (listener) => subscribe('answer', listener),
    onCandidate: (listener) => subscribe('candidate', listener),
    onRinging: (listener) => subscribe('ringing', listener),
    onHangUp: (listener) => subscribe('hangUp', listener),
    onPeerList: (listener) => subscribe('peerList', listener),
    onPeerJoined: (listener) => subscribe('peerJoined', listener),
    onPeerLeft: (listener) => subscribe('peerLeft', listener),
    onConnectionStatus: (listener) => subscribe('connectionStatus', listener),
    onNetworkChange: (listener) => subscribe('networkChange', listener),
    listDisplaySources: () => invoke('listDisplaySources'),
    chooseDisplaySource: (id, audio) => invoke('chooseDisplaySource', id, audio),
    openExternal: (url) => invoke('openExternal', url),
    saveFileStart: (file) => invoke('saveFileStart', file),
    saveFileChunk: (id, chunk) => invoke('saveFileChunk', id, chunk),
    saveFileEnd: (id, keep) => invoke('saveFileEnd', id, keep),
  };
}
