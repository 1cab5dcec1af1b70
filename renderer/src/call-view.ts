/**
 * The call on screen: its state in words, the ring with Accept and Decline, the videos and the
 * mute / camera / hang-up controls.
 */
import type { PeerId } from '../../common/protocol.js';
import type { CallEngine, CallState } from './call-engine.js';
import type { PageElements } from './dom.js';
import { showText, t } from './i18n.js';
import { Marks } from './marks.js';
import type { LocalMedia } from './media.js';
import { callWords } from './words.js';

const ACTIVE: ReadonlySet<CallState['phase']> = new Set([
  'calling',
  'ringing',
  'connecting',
  'in-call',
  'reconnecting',
]);

export interface CallView {
  showCall: (state: CallState) => void;
  showRemote: (stream: MediaStream | null) => void;
  showLocal: (media: LocalMedia | null) => void;
}

export function callView(
  ui: PageElements,
  engine: () => CallEngine,
  nameOf: (peer: PeerId) => string,
  /** Shows an error in the page's alert, said again in a new language. */
  showError: (words: () => string) => void,
): CallView {
  let tracks: MediaStreamTrack[] = [];

  function showCall(state: CallState): void {
    showText(ui.callStatus, () => callWords(state, nameOf));
    ui.callStatus.dataset.phase = state.phase;
    ui.hangUpButton.disabled = !ACTIVE.has(state.phase);
    const ringing = state.phase === 'incoming';
    const wasRinging = !ui.ring.hidden;
    ui.ring.hidden = !ringing;
    const caller = state.peer;
    if (ringing && caller) {
      showText(ui.ringText, () => t('core.ringText', { name: nameOf(caller) }));
      if (!wasRinging) {
        performance.mark(Marks.ring);
        ui.acceptButton.focus();
      }
    }
  }

  ui.acceptButton.addEventListener('click', () => {
    performance.mark(Marks.acceptClick);
    engine().accept();
  });
  ui.declineButton.addEventListener('click', () => engine().decline());
  ui.hangUpButton.addEventListener('click', () => engine().hangUp());

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
        showError(() => t('core.playFailed', { reason: String(error) }));
      }
    });
  }
  ui.soundButton.addEventListener('click', () => {
    ui.remoteVideo.muted = false;
    ui.soundButton.hidden = true;
    ui.remoteVideo.play().catch((error: unknown) => showError(() => String(error)));
  });

  /** A pressed toggle disables its tracks: the call keeps running, sending silence or black. */
  function bindToggle(button: HTMLButtonElement, kind: MediaStreamTrack['kind']): void {
    button.addEventListener('click', () => {
      const pressed = button.getAttribute('aria-pressed') !== 'true';
      button.setAttribute('aria-pressed', String(pressed));
      for (const track of tracks) if (track.kind === kind) track.enabled = !pressed;
    });
  }
  bindToggle(ui.muteButton, 'audio');
  bindToggle(ui.cameraButton, 'video');

  function showLocal(media: LocalMedia | null): void {
    const stream = media?.stream ?? null;
    ui.localVideo.srcObject = stream;
    tracks = stream?.getTracks() ?? [];
    const audio = tracks.filter((track) => track.kind === 'audio');
    const video = tracks.filter((track) => track.kind === 'video');
    ui.muteButton.disabled = audio.length === 0;
    ui.cameraButton.disabled = video.length === 0;
    // A new call starts with what the toggles say.
    const muted = ui.muteButton.getAttribute('aria-pressed') === 'true';
    const cameraOff = ui.cameraButton.getAttribute('aria-pressed') === 'true';
    for (const track of audio) track.enabled = !muted;
    for (const track of video) track.enabled = !cameraOff;
    if (!media) {
      showText(ui.mediaStatus, () => t('core.mediaOff'));
      ui.mediaStatus.classList.remove('warning');
      return;
    }
    showText(ui.mediaStatus, () => media.notice || t('core.mediaOn'));
    ui.mediaStatus.classList.toggle('warning', media.notice !== '');
  }
  showText(ui.mediaStatus, () => t('core.mediaUntilCall'));

  return { showCall, showRemote, showLocal };
}
