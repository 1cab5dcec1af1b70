/** Typed access to the elements of index.html. */
import { showText } from './i18n.js';

/** The element with this id, checked to be of the expected kind. */
export function byId<T extends HTMLElement>(id: string, kind: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof kind)) throw new Error(`index.html lacks #${id} (${kind.name})`);
  return element;
}

/** A new element of `tag`, with `className` when given: the feature panels build their DOM so. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
): HTMLElementTagNameMap[K] {
  const made = document.createElement(tag);
  if (className) made.className = className;
  return made;
}

/** Every element the page script drives. */
export function pageElements() {
  return {
    signalingStatus: byId('signaling-status', HTMLElement),
    notice: byId('notice', HTMLElement),
    alert: byId('alert', HTMLDivElement),
    setup: byId('setup', HTMLElement),
    nameInput: byId('name-input', HTMLInputElement),
    hostUnavailable: byId('host-unavailable', HTMLElement),
    hostPanel: byId('host-panel', HTMLDivElement),
    hostButton: byId('host-button', HTMLButtonElement),
    forwardPort: byId('forward-port', HTMLInputElement),
    joinForm: byId('join-form', HTMLFormElement),
    joinFields: byId('join-fields', HTMLDivElement),
    inviteInput: byId('invite-input', HTMLInputElement),
    fingerprintInput: byId('fingerprint-input', HTMLInputElement),
    joinButton: byId('join-button', HTMLButtonElement),
    trustPrompt: byId('trust-prompt', HTMLDivElement),
    trustHeading: byId('trust-heading', HTMLElement),
    trustText: byId('trust-text', HTMLElement),
    trustButton: byId('trust-button', HTMLButtonElement),
    trustCancel: byId('trust-cancel', HTMLButtonElement),
    session: byId('session', HTMLElement),
    invitePanel: byId('invite-panel', HTMLDivElement),
    inviteText: byId('invite-text', HTMLInputElement),
    copyInvite: byId('copy-invite', HTMLButtonElement),
    newInvite: byId('new-invite', HTMLButtonElement),
    hostUrls: byId('host-urls', HTMLElement),
    hostFingerprint: byId('host-fingerprint', HTMLElement),
    selfName: byId('self-name', HTMLElement),
    peerList: byId('peer-list', HTMLUListElement),
    noPeers: byId('no-peers', HTMLElement),
    leaveButton: byId('leave-button', HTMLButtonElement),
    callStatus: byId('call-status', HTMLElement),
    ring: byId('ring', HTMLDivElement),
    ringText: byId('ring-text', HTMLElement),
    acceptButton: byId('accept-button', HTMLButtonElement),
    declineButton: byId('decline-button', HTMLButtonElement),
    remoteVideo: byId('remote-video', HTMLVideoElement),
    localVideo: byId('local-video', HTMLVideoElement),
    muteButton: byId('mute-button', HTMLButtonElement),
    cameraButton: byId('camera-button', HTMLButtonElement),
    soundButton: byId('sound-button', HTMLButtonElement),
    hangUpButton: byId('hang-up-button', HTMLButtonElement),
    mediaStatus: byId('media-status', HTMLElement),
    relayOnly: byId('relay-only', HTMLInputElement),
    iceWarning: byId('ice-warning', HTMLElement),
    iceForm: byId('ice-form', HTMLFormElement),
    iceServerList: byId('ice-server-list', HTMLDivElement),
    iceError: byId('ice-error', HTMLElement),
    addIceServer: byId('add-ice-server', HTMLButtonElement),
    iceStatus: byId('ice-status', HTMLElement),
    iceFromServer: byId('ice-from-server', HTMLElement),
    // Containers each feature module fills with its own elements.
    settingsPanel: byId('settings-panel', HTMLDivElement),
    deviceSetup: byId('device-setup', HTMLDivElement),
    deviceControls: byId('device-controls', HTMLDivElement),
    shareControls: byId('share-controls', HTMLSpanElement),
    sharePicker: byId('share-picker', HTMLDivElement),
    qualityIndicator: byId('quality-indicator', HTMLParagraphElement),
    qualityPanel: byId('quality-panel', HTMLDivElement),
    chatPanel: byId('chat-panel', HTMLDivElement),
    filesPanel: byId('files-panel', HTMLDivElement),
  };
}

export type PageElements = ReturnType<typeof pageElements>;

/**
 * Shows an error in the page's alert region, said again after a language switch; the page never
 * fails silently.
 */
export function showAlert(words: () => string): void {
  const alert = document.getElementById('alert');
  if (!alert) {
    document.body.prepend(words());
    return;
  }
  showText(alert, words);
  alert.hidden = false;
}
