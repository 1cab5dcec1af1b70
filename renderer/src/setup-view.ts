/**
 * The first screen: your name, Host or Join, and the certificate questions (trust on first use,
 * and a changed certificate, which always shows both fingerprints and asks).
 */
import type {
  CertificateProbe,
  JoinRequest,
  SessionInfo,
  SignalingBridge,
} from '../../common/bridge-api.js';
import { errorCodeOf, errorWords } from '../../common/errors.js';
import { normalizeFingerprint, parseInvite } from '../../common/invite.js';
import { validateDisplayName } from '../../common/protocol.js';
import type { PageElements } from './dom.js';
import { formatDate, showText, t } from './i18n.js';
import { remembered, remember } from './storage.js';
import { errorSentence, joinFailureWords, nameProblemWords, withDetail } from './words.js';

type Mode = 'host' | 'join';

const MODE_KEY = 'appel.mode';
const NAME_KEY = 'appel.name';
const FORWARD_KEY = 'appel.forwardPort';

/** What the setup screen tells the page; words are functions, said again in a new language. */
export interface SetupHandlers {
  onSession(info: SessionInfo): void;
  showError(words: () => string): void;
  clearError(): void;
  announce(words: () => string): void;
}

/** A question the trust prompt asks, and the join it leads to on yes. */
interface TrustQuestion {
  heading: () => string;
  text: () => string;
  confirm: JoinRequest;
}

/** A certificate's expiry for people: the language's date, or the certificate's own text. */
function expiryWords(validTo: string): string {
  const date = new Date(validTo);
  return Number.isNaN(date.getTime()) ? validTo : formatDate(date);
}

export function setupView(ui: PageElements, bridge: SignalingBridge, on: SetupHandlers): void {
  const modeInputs = [...document.querySelectorAll<HTMLInputElement>('input[name="mode"]')];
  let question: TrustQuestion | null = null;

  function setMode(mode: Mode): void {
    for (const input of modeInputs) input.checked = input.value === mode;
    ui.hostPanel.hidden = mode !== 'host';
    ui.joinForm.hidden = mode !== 'join';
    ui.trustPrompt.hidden = true;
  }

  for (const input of modeInputs) {
    input.addEventListener('change', () => {
      const mode: Mode = input.value === 'host' ? 'host' : 'join';
      remember(MODE_KEY, mode);
      setMode(mode);
    });
  }

  function setBusy(busy: boolean): void {
    ui.hostButton.disabled = busy || bridge.platform !== 'desktop';
    ui.joinButton.disabled = busy;
    ui.trustButton.disabled = busy;
  }

  /** The name from the form, checked as the server checks it; remembered once valid. */
  function name(): string | null {
    const typed = ui.nameInput.value;
    const checked = validateDisplayName(typed);
    if (!checked.ok) {
      on.showError(() => nameProblemWords(typed));
      ui.nameInput.focus();
      return null;
    }
    remember(NAME_KEY, checked.value);
    return checked.value;
  }

  async function host(): Promise<void> {
    on.clearError();
    const who = name();
    if (!who) return;
    setBusy(true);
    try {
      // Unchecked sends false: opening a port on the router is the user's choice, each time shown.
      on.onSession(await bridge.host({ name: who, forwardPort: ui.forwardPort.checked }));
    } catch (error) {
      on.showError(() => t('core.hostFailed', { reason: errorSentence(error) }));
    } finally {
      setBusy(false);
    }
  }

  function ask(next: TrustQuestion): void {
    question = next;
    showText(ui.trustHeading, next.heading);
    showText(ui.trustText, next.text);
    ui.trustPrompt.hidden = false;
    ui.trustButton.focus();
  }

  async function join(request: JoinRequest): Promise<void> {
    on.clearError();
    ui.trustPrompt.hidden = true;
    setBusy(true);
    try {
      on.onSession(await bridge.join(request));
    } catch (error) {
      await explainJoinFailure(request, error);
    } finally {
      setBusy(false);
    }
  }

  async function explainJoinFailure(request: JoinRequest, error: unknown): Promise<void> {
    const code = errorCodeOf(error);
    if (code === 'fingerprint-changed' && request.fingerprint) {
      // Both fingerprints are in the words; nothing is replaced without this explicit yes.
      ask({
        heading: () => t('core.certificateChanged'),
        text: () => t('core.certificateChangedText', { detail: errorWords(error) }),
        confirm: { ...request, replacePin: true },
      });
      return;
    }
    if (code !== 'fingerprint-required' || bridge.platform !== 'desktop') {
      on.showError(() => t('core.joinFailed', { reason: joinFailureWords(error) }));
      return;
    }
    let probe: CertificateProbe;
    try {
      probe = await bridge.probeCertificate(request.url);
    } catch (probeError) {
      on.showError(() =>
        t('core.joinFailed', {
          reason: withDetail(errorSentence(error), errorSentence(probeError)),
        }),
      );
      return;
    }
    ask({
      heading: () => t('core.unknownCertificate'),
      text: () =>
        t('core.unknownCertificateText', {
          fingerprint: probe.fingerprint,
          subject: probe.subject,
          validTo: expiryWords(probe.validTo),
        }),
      confirm: { ...request, fingerprint: probe.fingerprint },
    });
  }

  function joinFromForm(): void {
    const who = name();
    if (!who) return;
    if (bridge.platform === 'web') {
      // A browser guest joins the server that served this page, with the invite in its fragment.
      let invite: ReturnType<typeof parseInvite>;
      try {
        invite = parseInvite(location.href);
      } catch (error) {
        on.showError(() => errorSentence(error));
        return;
      }
      const room = invite.room && invite.key ? { room: invite.room, key: invite.key } : {};
      void join({ url: location.origin, name: who, ...room });
      return;
    }
    let request: JoinRequest;
    try {
      const invite = parseInvite(ui.inviteInput.value);
      request = { url: ui.inviteInput.value.trim(), name: who };
      const typed = ui.fingerprintInput.value.trim();
      const fingerprint = typed === '' ? invite.fingerprint : normalizeFingerprint(typed);
      if (fingerprint === null) {
        on.showError(() => t('core.fingerprintInvalid'));
        return;
      }
      if (fingerprint) request.fingerprint = fingerprint;
    } catch (error) {
      on.showError(() => errorSentence(error));
      return;
    }
    void join(request);
  }

  ui.hostButton.addEventListener('click', () => void host());
  ui.joinForm.addEventListener('submit', (event) => {
    event.preventDefault();
    joinFromForm();
  });
  ui.trustButton.addEventListener('click', () => {
    const confirmed = question?.confirm;
    question = null;
    if (confirmed) void join(confirmed);
  });
  ui.trustCancel.addEventListener('click', () => {
    question = null;
    ui.trustPrompt.hidden = true;
    on.announce(() => t('core.notTrusted'));
  });

  ui.nameInput.value = remembered(NAME_KEY) ?? '';
  ui.forwardPort.checked = remembered(FORWARD_KEY) === 'true';
  ui.forwardPort.addEventListener('change', () =>
    remember(FORWARD_KEY, String(ui.forwardPort.checked)),
  );
  if (bridge.platform === 'web') {
    const hostRadio = modeInputs.find((input) => input.value === 'host');
    if (hostRadio) {
      hostRadio.disabled = true;
      hostRadio.setAttribute('aria-describedby', ui.hostUnavailable.id);
    }
    ui.hostUnavailable.hidden = false;
    ui.joinFields.hidden = true;
    setMode('join');
  } else {
    setMode(remembered(MODE_KEY) === 'host' ? 'host' : 'join');
  }
  setBusy(false);
}
