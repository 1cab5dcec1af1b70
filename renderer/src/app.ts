/**
 * The call page: Host/Join, the peer list, the call controls and the videos, wired to a
 * {@link SignalingBridge} and the {@link CallEngine}.
 */
import type {
  BridgeErrorCode,
  CertificateProbe,
  ConnectionStatus,
  JoinRequest,
  SessionInfo,
  SignalingBridge,
} from '../../preload/bridge-api.js';
import type { PeerId } from '../../signaling-server/protocol.js';
import { CallEngine, type CallState } from './call-engine.js';
import { pageElements, showAlert } from './dom.js';
import { normalizeFingerprint, parseInvite } from './invite.js';
import { openLocalMedia, type LocalMedia } from './media.js';

type Mode = 'host' | 'join';

const MODE_KEY = 'appel.mode';
/** The benchmark measures call setup from this mark. */
export const CALL_CLICK_MARK = 'appel:call-click';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The bridge's code for a failure the page handles itself (bridge-api.ts), if it is one. */
function errorCode(error: unknown): BridgeErrorCode | null {
  const code: BridgeErrorCode = 'fingerprint-required';
  return messageOf(error).startsWith(`${code}: `) ? code : null;
}

/** The message without its code prefix, for people. */
function userMessage(error: unknown): string {
  const code = errorCode(error);
  return code ? messageOf(error).slice(code.length + 2) : messageOf(error);
}

function storedMode(): Mode {
  try {
    return localStorage.getItem(MODE_KEY) === 'host' ? 'host' : 'join';
  } catch (error) {
    console.warn('appel:app localStorage unavailable', error);
    return 'join';
  }
}

function storeMode(mode: Mode): void {
  try {
    localStorage.setItem(MODE_KEY, mode);
  } catch (error) {
    console.warn('appel:app localStorage unavailable', error);
  }
}

const PHASE_WORDS: Record<ConnectionStatus['phase'], string> = {
  idle: 'Not connected',
  connecting: 'Connecting to the server…',
  connected: 'Connected to the server',
  reconnecting: 'Connection lost, retrying…',
  closed: 'Disconnected',
};

function callWords(state: CallState): string {
  switch (state.phase) {
    case 'idle':
      return 'No call';
    case 'connecting':
      return `Connecting… calling ${state.peer}`;
    case 'in-call':
      return `In call with ${state.peer}`;
    case 'reconnecting':
      return `Connection lost, retrying… (call with ${state.peer})`;
    case 'ended':
      return `Call ended. ${state.detail ?? ''}`.trim();
    case 'failed':
      return `Call failed: ${state.detail ?? 'unknown error'}`;
  }
}

/** Starts the page on a bridge. */
export function startApp(bridge: SignalingBridge): void {
  const ui = pageElements();
  const peers = new Set<PeerId>();
  let selfId: PeerId | null = null;
  let media: Promise<LocalMedia> | null = null;

  const localMedia = (): Promise<LocalMedia> => (media ??= openLocalMedia().then(showLocal));
  const engine = new CallEngine({
    bridge,
    localMedia: async () => (await localMedia()).stream,
    iceServers: [],
    onState: showCall,
    onRemoteStream: showRemote,
    onError: showError,
  });

  function showError(message: string): void {
    showAlert(message);
  }

  function clearError(): void {
    ui.alert.hidden = true;
    ui.alert.textContent = '';
  }

  function announce(message: string): void {
    ui.notice.textContent = message;
  }

  // Mode toggle -------------------------------------------------------------------------------

  const modeInputs = [...document.querySelectorAll<HTMLInputElement>('input[name="mode"]')];

  function setMode(mode: Mode): void {
    for (const input of modeInputs) input.checked = input.value === mode;
    ui.hostPanel.hidden = mode !== 'host';
    ui.joinForm.hidden = mode !== 'join';
    ui.trustPrompt.hidden = true;
  }

  for (const input of modeInputs) {
    input.addEventListener('change', () => {
      const mode: Mode = input.value === 'host' ? 'host' : 'join';
      storeMode(mode);
      setMode(mode);
    });
  }

  // Host and join -----------------------------------------------------------------------------

  function setBusy(busy: boolean): void {
    ui.hostButton.disabled = busy || bridge.platform !== 'desktop';
    ui.joinButton.disabled = busy;
    ui.trustButton.disabled = busy;
  }

  async function host(): Promise<void> {
    clearError();
    setBusy(true);
    try {
      enterSession(await bridge.host());
    } catch (error) {
      showError(`Could not host a call: ${messageOf(error)}`);
    } finally {
      setBusy(false);
    }
  }

  async function join(request: JoinRequest, probeOnFailure: boolean): Promise<void> {
    clearError();
    ui.trustPrompt.hidden = true;
    setBusy(true);
    try {
      enterSession(await bridge.join(request));
    } catch (error) {
      // Only a missing fingerprint leads to the trust prompt: a certificate that differs from the
      // pinned one is a warning to read, not a question to click through.
      if (!probeOnFailure || errorCode(error) !== 'fingerprint-required') {
        showError(`Could not join: ${userMessage(error)}`);
        return;
      }
      try {
        askTrust(await bridge.probeCertificate(request.url));
      } catch (probeError) {
        showError(`Could not join: ${userMessage(error)} (${messageOf(probeError)})`);
      }
    } finally {
      setBusy(false);
    }
  }

  let probed: CertificateProbe | null = null;

  function askTrust(probe: CertificateProbe): void {
    probed = probe;
    ui.trustText.textContent =
      `This server presents certificate SHA-256 ${probe.fingerprint} ` +
      `(${probe.subject}, valid until ${probe.validTo}). Trust it?`;
    ui.trustPrompt.hidden = false;
    ui.trustButton.focus();
  }

  function joinFromForm(): void {
    if (bridge.platform === 'web') {
      void join({ url: location.origin }, false);
      return;
    }
    let request: JoinRequest;
    try {
      const invite = parseInvite(ui.inviteInput.value);
      request = { url: invite.url };
      const typed = ui.fingerprintInput.value.trim();
      const fingerprint = typed === '' ? invite.fingerprint : normalizeFingerprint(typed);
      if (fingerprint === null) {
        throw new Error('The certificate fingerprint must be 32 bytes of hex (SHA-256).');
      }
      if (fingerprint) request.fingerprint = fingerprint;
    } catch (error) {
      showError(messageOf(error));
      return;
    }
    void join(request, request.fingerprint === undefined && bridge.platform === 'desktop');
  }

  ui.hostButton.addEventListener('click', () => void host());
  ui.joinForm.addEventListener('submit', (event) => {
    event.preventDefault();
    joinFromForm();
  });
  ui.trustButton.addEventListener('click', () => {
    if (!probed) return;
    ui.trustPrompt.hidden = true;
    void join({ url: probed.url, fingerprint: probed.fingerprint }, false);
  });
  ui.trustCancel.addEventListener('click', () => {
    probed = null;
    ui.trustPrompt.hidden = true;
    announce('Not joined: the certificate was not trusted.');
  });

  // The session -------------------------------------------------------------------------------

  function setSelfId(id: PeerId): void {
    selfId = id;
    ui.selfId.value = id;
    engine.setSelfId(id);
    peers.delete(id);
    renderPeers();
  }

  function enterSession(info: SessionInfo): void {
    announce('');
    setSelfId(info.selfId);
    ui.setup.hidden = true;
    ui.session.hidden = false;
    ui.leaveButton.hidden = bridge.platform !== 'desktop';
    ui.invitePanel.hidden = !info.host;
    if (info.host) {
      ui.inviteText.value = info.host.invite;
      ui.hostUrls.textContent = info.host.urls.join('\n');
      ui.hostFingerprint.textContent = info.host.fingerprint;
    }
    void localMedia();
  }

  async function leave(): Promise<void> {
    engine.hangUp();
    try {
      await bridge.leave();
    } catch (error) {
      showError(`Could not leave cleanly: ${messageOf(error)}`);
    }
    selfId = null;
    engine.setSelfId(null);
    peers.clear();
    renderPeers();
    ui.session.hidden = true;
    ui.setup.hidden = false;
  }
  ui.leaveButton.addEventListener('click', () => void leave());

  async function copy(text: string, what: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(text);
      announce(`Copied ${what}.`);
    } catch (error) {
      showError(`Could not copy ${what}: ${messageOf(error)}`);
    }
  }
  ui.copyId.addEventListener('click', () => void copy(ui.selfId.value, 'your id'));
  ui.copyInvite.addEventListener('click', () => void copy(ui.inviteText.value, 'the invite'));

  // Peers and calling -------------------------------------------------------------------------

  function call(peer: string): void {
    performance.mark(CALL_CLICK_MARK);
    clearError();
    try {
      engine.call(peer);
    } catch (error) {
      showError(messageOf(error));
    }
  }

  function renderPeers(): void {
    const items = [...peers].sort().map((id) => {
      const item = document.createElement('li');
      const name = document.createElement('span');
      name.className = 'mono';
      name.textContent = id;
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Call';
      button.setAttribute('aria-label', `Call ${id}`);
      button.addEventListener('click', () => call(id));
      item.append(name, button);
      return item;
    });
    ui.peerList.replaceChildren(...items);
    ui.noPeers.hidden = items.length > 0;
  }

  bridge.onPeerList(({ peers: list }) => {
    peers.clear();
    for (const id of list) if (id !== selfId) peers.add(id);
    renderPeers();
  });
  bridge.onPeerJoined(({ id }) => {
    if (id !== selfId) peers.add(id);
    renderPeers();
  });
  bridge.onPeerLeft(({ id }) => {
    peers.delete(id);
    renderPeers();
  });

  ui.callForm.addEventListener('submit', (event) => {
    event.preventDefault();
    call(ui.remoteId.value);
  });
  ui.hangUpButton.addEventListener('click', () => engine.hangUp());

  bridge.onConnectionStatus((status) => {
    if (status.selfId && status.selfId !== selfId && !ui.session.hidden) setSelfId(status.selfId);
    const words = PHASE_WORDS[status.phase];
    ui.signalingStatus.textContent = status.detail ? `${words} (${status.detail})` : words;
    ui.signalingStatus.dataset.phase = status.phase;
    if (status.phase === 'closed' && status.detail && !ui.session.hidden) {
      showError(`Disconnected from the server: ${status.detail}`);
    }
  });

  // Call state and media ----------------------------------------------------------------------

  function showCall(state: CallState): void {
    ui.callStatus.textContent = callWords(state);
    ui.callStatus.dataset.phase = state.phase;
    const active = ['connecting', 'in-call', 'reconnecting'].includes(state.phase);
    ui.hangUpButton.disabled = !active;
  }

  function showRemote(stream: MediaStream | null): void {
    if (!stream) {
      ui.remoteVideo.srcObject = null;
      ui.soundButton.hidden = true;
      return;
    }
    if (ui.remoteVideo.srcObject === stream) return;
    ui.remoteVideo.muted = false;
    ui.remoteVideo.srcObject = stream;
    ui.remoteVideo.play().catch((error: unknown) => {
      if (error instanceof DOMException && error.name === 'NotAllowedError') {
        // Autoplay with sound needs a click first: play muted and offer to turn the sound on.
        ui.remoteVideo.muted = true;
        ui.soundButton.hidden = false;
        ui.remoteVideo.play().catch((mutedError: unknown) => console.warn(mutedError));
      } else if (!(error instanceof DOMException && error.name === 'AbortError')) {
        showError(`Cannot play the remote video: ${messageOf(error)}`);
      }
    });
  }
  ui.soundButton.addEventListener('click', () => {
    ui.remoteVideo.muted = false;
    ui.soundButton.hidden = true;
    ui.remoteVideo.play().catch((error: unknown) => showError(messageOf(error)));
  });

  function showLocal(result: LocalMedia): LocalMedia {
    const { stream, notice } = result;
    ui.localVideo.srcObject = stream;
    const audio = stream?.getAudioTracks() ?? [];
    const video = stream?.getVideoTracks() ?? [];
    ui.muteButton.disabled = audio.length === 0;
    ui.cameraButton.disabled = video.length === 0;
    ui.mediaStatus.textContent = notice || 'Camera and microphone on.';
    ui.mediaStatus.classList.toggle('warning', notice !== '');
    toggle(ui.muteButton, audio);
    toggle(ui.cameraButton, video);
    return result;
  }

  /** A pressed toggle disables its tracks: the call keeps running, sending silence or black. */
  function toggle(button: HTMLButtonElement, tracks: MediaStreamTrack[]): void {
    button.addEventListener('click', () => {
      const pressed = button.getAttribute('aria-pressed') !== 'true';
      button.setAttribute('aria-pressed', String(pressed));
      for (const track of tracks) track.enabled = !pressed;
    });
  }

  // Start -------------------------------------------------------------------------------------

  showCall({ phase: 'idle', peer: null });
  if (bridge.platform === 'web') {
    const hostRadio = modeInputs.find((input) => input.value === 'host');
    if (hostRadio) {
      hostRadio.disabled = true;
      hostRadio.setAttribute('aria-describedby', ui.hostUnavailable.id);
    }
    ui.hostUnavailable.hidden = false;
    ui.joinFields.hidden = true;
    setMode('join');
    setBusy(false);
    void join({ url: location.origin }, false);
  } else {
    setMode(storedMode());
    setBusy(false);
  }
}
