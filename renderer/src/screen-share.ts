/**
 * Screen sharing during a call. In the desktop app the app's own picker (share-picker.ts) lists
 * what main's desktopCapturer sees; the pick goes to main, whose display media handler grants
 * exactly that source to the `getDisplayMedia` that follows. In a browser, `getDisplayMedia`
 * shows the browser's picker.
 *
 * The screen is sent in place of the camera with `replaceTrack` (no renegotiation), or added when
 * the call sends no video; system sound, when shared, is mixed with the microphone. Stopping, from
 * the button, the OS or browser "stop sharing" bar (the track's `ended`) or the end of the call,
 * brings the camera and the plain microphone back.
 */
import { errorWords } from '../../common/errors.js';
import type { CallPhase } from './call-engine.js';
import type { CallContext, Feature } from './feature.js';
import { onLanguageChange, t } from './i18n.js';
import { sharePicker } from './share-picker.js';
import './screen-share.css';

export interface ScreenShare extends Feature {
  /** Whether a screen or window is being sent in place of the camera. */
  readonly active: boolean;
}

/** A screen can be shared while the call is up, also while it recovers. */
const SHARING_PHASES: ReadonlySet<CallPhase> = new Set(['in-call', 'reconnecting']);

/**
 * Chromium's extras to the standard options: the call's own tab is not offered (a hall of
 * mirrors), the system's sound is. Other browsers ignore them.
 */
interface BrowserDisplayOptions extends DisplayMediaStreamOptions {
  selfBrowserSurface?: 'include' | 'exclude';
  systemAudio?: 'include' | 'exclude';
}

/** Screen Capture's audio constraint, newer than TypeScript's DOM types. */
interface DisplayAudioConstraints extends MediaTrackConstraints {
  restrictOwnAudio?: boolean;
}

/**
 * The sound to capture with the screen: without the call's own sound (the other side's voice,
 * played by this page), which would otherwise go back to them as an echo.
 */
const SYSTEM_AUDIO: DisplayAudioConstraints = { restrictOwnAudio: true };

/** The microphone and the system's sound as one track (WebAudio), sent in place of the mic. */
interface AudioMix {
  readonly track: MediaStreamTrack;
  setMicrophone(track: MediaStreamTrack | null): void;
  close(): void;
}

function mixAudio(microphone: MediaStreamTrack | null, system: MediaStreamTrack): AudioMix {
  const context = new AudioContext();
  const destination = context.createMediaStreamDestination();
  context.createMediaStreamSource(new MediaStream([system])).connect(destination);
  let mic: MediaStreamAudioSourceNode | null = null;
  // A muted microphone is a disabled track: its node gives silence, so mute still works.
  const setMicrophone = (track: MediaStreamTrack | null): void => {
    mic?.disconnect();
    mic = track ? context.createMediaStreamSource(new MediaStream([track])) : null;
    mic?.connect(destination);
  };
  setMicrophone(microphone);
  void context.resume();
  return {
    track: destination.stream.getAudioTracks()[0]!,
    setMicrophone,
    close() {
      mic?.disconnect();
      void context.close();
    },
  };
}

/** What is being shared. */
interface Sharing {
  stream: MediaStream;
  video: MediaStreamTrack;
  /** The local preview's stream: the screen, as sent. */
  preview: MediaStream;
  mix: AudioMix | null;
}

function isCancel(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'NotAllowedError';
}

export function screenShareFeature(ctx: CallContext): ScreenShare {
  const { ui, engine, media, bridge } = ctx;
  const picker = bridge.platform === 'desktop' ? sharePicker(ui.sharePicker) : null;
  const button = document.createElement('button');
  button.type = 'button';
  button.id = 'share-button';
  // Without https (or on a phone) there is no getDisplayMedia: no button to disappoint.
  button.hidden = typeof navigator.mediaDevices?.getDisplayMedia !== 'function';
  ui.shareControls.append(button);

  let inCall = false;
  /** The picker or the browser's own is open, or the capture is starting. */
  let starting = false;
  let sharing: Sharing | null = null;

  function render(): void {
    button.textContent = t(sharing ? 'share.stop' : 'share.start');
    button.setAttribute('aria-pressed', String(sharing !== null));
    button.disabled = !inCall && sharing === null;
  }

  /** The local preview shows what is sent: the screen, not mirrored as a camera is. */
  function showPreview(): void {
    if (!sharing) return;
    ui.localVideo.srcObject = sharing.preview;
    ui.localVideo.classList.add('share-preview');
  }

  /** Asks for the screen: null when the user cancelled a picker. */
  async function capture(): Promise<MediaStream | null> {
    if (!picker) {
      const options: BrowserDisplayOptions = {
        video: true,
        audio: SYSTEM_AUDIO,
        selfBrowserSurface: 'exclude',
        systemAudio: 'include',
      };
      try {
        return await navigator.mediaDevices.getDisplayMedia(options);
      } catch (error) {
        // The browser's picker was cancelled (or screen sharing is not allowed on this page).
        if (isCancel(error)) return null;
        throw error;
      }
    }
    const pick = await picker.choose(bridge.listDisplaySources());
    if (!pick) return null;
    await bridge.chooseDisplaySource(pick.id, pick.audio);
    // Main grants exactly the picked source to this request; the pick is not a browser choice.
    return navigator.mediaDevices.getDisplayMedia({
      video: true,
      audio: pick.audio ? SYSTEM_AUDIO : false,
    });
  }

  async function start(): Promise<void> {
    starting = true;
    try {
      const stream = await capture();
      if (!stream) {
        ctx.announce(t('share.cancelled'));
        return;
      }
      const video = stream.getVideoTracks()[0];
      if (!inCall || !video) {
        for (const track of stream.getTracks()) track.stop();
        return;
      }
      await begin(stream, video);
    } catch (error) {
      stop(false);
      ctx.showError(t('share.failed', { reason: errorWords(error) }));
    } finally {
      starting = false;
      render();
    }
  }

  async function begin(stream: MediaStream, video: MediaStreamTrack): Promise<void> {
    // Text stays sharp: the encoder lowers the frame rate before the resolution.
    video.contentHint = 'detail';
    const system = stream.getAudioTracks()[0];
    const mix = system ? mixAudio(media.track('audio'), system) : null;
    sharing = { stream, video, preview: new MediaStream([video]), mix };
    video.addEventListener('ended', onEnded);
    showPreview();
    render();
    // Both queued at once: a Stop meanwhile queues the camera and microphone after them.
    const sent = [engine.replaceTrack('video', video)];
    if (mix) sent.push(engine.replaceTrack('audio', mix.track));
    await Promise.all(sent);
    if (sharing?.video === video) {
      ctx.announce(t(mix ? 'share.startedWithAudio' : 'share.started'));
    }
  }

  /** The OS or the browser stopped the capture (its "stop sharing" bar). */
  function onEnded(): void {
    stop();
  }

  function send(kind: MediaStreamTrack['kind'], track: MediaStreamTrack | null): void {
    engine
      .replaceTrack(kind, track)
      .catch((error: unknown) => ctx.showError(t('share.failed', { reason: errorWords(error) })));
  }

  /** Ends the capture and sends the camera and the plain microphone again. */
  function stop(announce = true): void {
    const ended = sharing;
    if (!ended) return;
    sharing = null;
    ended.video.removeEventListener('ended', onEnded);
    for (const track of ended.stream.getTracks()) track.stop();
    ended.mix?.close();
    ui.localVideo.classList.remove('share-preview');
    ui.localVideo.srcObject = media.current?.stream ?? null;
    send('video', media.track('video'));
    if (ended.mix) send('audio', media.track('audio'));
    if (announce) ctx.announce(t('share.stopped'));
    render();
  }

  button.addEventListener('click', () => {
    if (sharing) stop();
    else if (inCall && !starting) void start();
  });

  media.onTrackChange((kind, track) => {
    if (!sharing) return;
    // The page showed the new camera; the screen is still what is sent.
    if (kind === 'video') showPreview();
    const mix = sharing.mix;
    if (kind !== 'audio' || !mix) return;
    mix.setMicrophone(track);
    // app.ts sends the new microphone itself, right after this listener: the mix goes after it.
    queueMicrotask(() => send('audio', mix.track));
  });

  onLanguageChange(render);
  render();

  return {
    get active() {
      return sharing !== null;
    },
    onCallState(state) {
      inCall = SHARING_PHASES.has(state.phase);
      if (!inCall) {
        picker?.cancel();
        stop();
      }
      render();
    },
  };
}
