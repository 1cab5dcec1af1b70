/**
 * The user's own STUN/TURN servers and "Relay only (hide my address)": checked, remembered in
 * localStorage, and handed to the call engine together with the servers the signaling server
 * gives out in its welcome. Appel has no default server of its own: nothing here talks to a
 * third party unless the user types its address.
 */
import { parseIceServers, type IceServer } from '../../common/protocol.js';
import type { PageElements } from './dom.js';
import { onLanguageChange, showText, t, type StringKey } from './i18n.js';
import { remember, remembered } from './storage.js';

const SERVERS_KEY = 'appel.iceServers';
const RELAY_ONLY_KEY = 'appel.relayOnly';

/** One server as typed: URLs separated by spaces or commas, and its credentials. */
export interface ServerFields {
  urls: string;
  username: string;
  credential: string;
}

export type ServerField = keyof ServerFields;

/**
 * The checked servers, or the first problem: which entry (0-based), which field, and its words
 * (a function, to say them again in a new language).
 */
export type CheckedServers =
  | { ok: true; servers: IceServer[] }
  | { ok: false; entry: number | null; field: ServerField | null; words: () => string };

const FIELD_KEYS: Record<ServerField, StringKey> = {
  urls: 'core.iceUrls',
  username: 'core.iceUsername',
  credential: 'core.iceCredential',
};

const isTurnUrl = (url: string): boolean => /^turns?:/i.test(url);

/** Whether any of these servers is a TURN server (one a relay-only call can go through). */
export function hasTurn(servers: readonly IceServer[]): boolean {
  return servers.some((server) => server.urls.some(isTurnUrl));
}

/** What a call uses: the user's servers first, then the signaling server's. */
export function combineIceServers(
  own: readonly IceServer[],
  fromServer: readonly IceServer[],
): IceServer[] {
  return [...own, ...fromServer];
}

/**
 * Why this browser would refuse the server in an RTCPeerConnection, or `null`: its own parser
 * has the last word on URL syntax. A connection that is never offered gathers nothing.
 */
function browserRefusal(server: IceServer): string | null {
  try {
    new RTCPeerConnection({ iceServers: [server] }).close();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Checks one typed server; `n` is its number as the page shows it. */
function checkServer(fields: ServerFields, n: number): CheckedServers {
  const fail = (field: ServerField | null, problem: () => string): CheckedServers => ({
    ok: false,
    entry: n - 1,
    field,
    words: () =>
      field
        ? t('core.iceFieldProblem', { n, field: t(FIELD_KEYS[field]), problem: problem() })
        : t('core.iceServerProblem', { n, problem: problem() }),
  });
  const urls = fields.urls.split(/[\s,]+/).filter((url) => url !== '');
  if (urls.length === 0) return fail('urls', () => t('core.iceNeedUrl'));
  if (!parseIceServers([{ urls }])) {
    const bad = urls.find((url) => !parseIceServers([{ urls: [url] }]));
    return fail('urls', () =>
      bad === undefined ? t('core.iceTooManyUrls') : t('core.iceBadUrl', { url: bad }),
    );
  }
  const server: IceServer = { urls };
  for (const field of ['username', 'credential'] as const) {
    const text = fields[field].trim();
    if (text === '') continue;
    if (!parseIceServers([{ urls, [field]: text }])) return fail(field, () => t('core.iceTooLong'));
    server[field] = text;
  }
  if (urls.some(isTurnUrl)) {
    if (!server.username) return fail('username', () => t('core.iceNeedUsername'));
    if (!server.credential) return fail('credential', () => t('core.iceNeedCredential'));
  }
  const refusal = browserRefusal(server);
  if (refusal) return fail(null, () => t('core.iceBrowserRefuses', { detail: refusal }));
  return { ok: true, servers: [server] };
}

/** Checks the typed servers; entries left wholly empty are dropped. */
export function checkServers(entries: readonly ServerFields[]): CheckedServers {
  const servers: IceServer[] = [];
  for (const [index, fields] of entries.entries()) {
    const { urls, username, credential } = fields;
    if ([urls, username, credential].every((text) => text.trim() === '')) continue;
    const checked = checkServer(fields, index + 1);
    if (!checked.ok) return checked;
    servers.push(...checked.servers);
  }
  // The protocol's validator is the one that decides what a server list may hold.
  if (!parseIceServers(servers)) {
    return { ok: false, entry: null, field: null, words: () => t('core.iceTooManyServers') };
  }
  return { ok: true, servers };
}

/** The servers saved earlier, checked again: storage may hold anything. */
function savedServers(): IceServer[] {
  const text = remembered(SERVERS_KEY);
  if (text === null) return [];
  try {
    const servers = parseIceServers(JSON.parse(text));
    if (servers) return servers;
  } catch (error) {
    console.warn('appel:ice-settings saved servers unreadable', error);
  }
  console.warn('appel:ice-settings saved servers ignored: not a valid server list');
  return [];
}

/** What the settings drive: the call engine. */
export interface IceTarget {
  setIceServers(servers: RTCIceServer[]): void;
  setIceTransportPolicy(policy: RTCIceTransportPolicy): void;
}

export interface IceSettings {
  /** The servers of the latest welcome from the signaling server (their TURN credentials). */
  setServerIceServers(servers: readonly IceServer[]): void;
}

interface EntryView {
  fieldset: HTMLFieldSetElement;
  inputs: Record<ServerField, HTMLInputElement>;
  /** Writes the entry's legend, labels and button in the current language. */
  word(): void;
}

/** Wires the settings section and applies what was saved to the engine. */
export function iceSettingsView(ui: PageElements, engine: IceTarget): IceSettings {
  let own = savedServers();
  let fromServer: IceServer[] = [];
  let entries: EntryView[] = [];

  function apply(): void {
    engine.setIceServers(combineIceServers(own, fromServer));
    engine.setIceTransportPolicy(ui.relayOnly.checked ? 'relay' : 'all');
    const relayOnly = ui.relayOnly.checked;
    const turnKnown = hasTurn(own) || hasTurn(fromServer);
    ui.iceWarning.hidden = !relayOnly;
    ui.iceWarning.classList.toggle('warning', relayOnly && !turnKnown);
    showText(ui.iceWarning, () =>
      !relayOnly ? '' : turnKnown ? t('core.relayOnlyOn') : t('core.relayOnlyNoTurn'),
    );
    const provided = fromServer.flatMap((s) => s.urls).join(', ');
    showText(ui.iceFromServer, () =>
      provided === '' ? t('core.serverProvidesNone') : t('core.serverProvides', { urls: provided }),
    );
  }

  /** One field of an entry: its label, the label's words (the entry's `word` sets them), its input. */
  function field(name: ServerField, value: string) {
    const label = document.createElement('label');
    const words = document.createTextNode('');
    const input = document.createElement('input');
    input.type = name === 'credential' ? 'password' : 'text';
    input.autocomplete = 'off';
    input.spellcheck = false;
    input.name = name;
    input.value = value;
    label.append(words, input);
    return { name, label, words, input };
  }

  function render(servers: readonly ServerFields[]): void {
    entries = servers.map((fields, index) => {
      const n = index + 1;
      const fieldset = document.createElement('fieldset');
      const legend = document.createElement('legend');
      const parts = (['urls', 'username', 'credential'] as const).map((name) =>
        field(name, fields[name]),
      );
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.addEventListener('click', () => render(typed().filter((_, i) => i !== index)));
      fieldset.append(legend, ...parts.map(({ label }) => label), remove);
      const [urls, username, credential] = parts.map(({ input }) => input);
      const inputs = { urls: urls!, username: username!, credential: credential! };
      const word = (): void => {
        legend.textContent = t('core.iceServer', { n });
        for (const { name, words } of parts) {
          words.data = t('core.iceFieldLabel', { field: t(FIELD_KEYS[name]), n });
        }
        inputs.urls.placeholder = t('core.iceUrlPlaceholder');
        remove.textContent = t('core.iceRemove', { n });
      };
      word();
      return { fieldset, inputs, word };
    });
    ui.iceServerList.replaceChildren(...entries.map(({ fieldset }) => fieldset));
  }
  onLanguageChange(() => {
    for (const entry of entries) entry.word();
  });

  function typed(): ServerFields[] {
    return entries.map(({ inputs }) => ({
      urls: inputs.urls.value,
      username: inputs.username.value,
      credential: inputs.credential.value,
    }));
  }

  const asFields = (servers: readonly IceServer[]): ServerFields[] =>
    servers.map(({ urls, username, credential }) => ({
      urls: urls.join(' '),
      username: username ?? '',
      credential: credential ?? '',
    }));

  function showError(checked: Extract<CheckedServers, { ok: false }>): void {
    showText(ui.iceError, checked.words);
    ui.iceError.hidden = false;
    const input = checked.entry === null ? undefined : entries[checked.entry]?.inputs;
    const target = input?.[checked.field ?? 'urls'];
    if (target) {
      target.setAttribute('aria-invalid', 'true');
      target.focus();
    }
  }

  function save(): void {
    ui.iceError.hidden = true;
    showText(ui.iceStatus, () => '');
    for (const { inputs } of entries) {
      for (const input of Object.values(inputs)) input.removeAttribute('aria-invalid');
    }
    const checked = checkServers(typed());
    if (!checked.ok) {
      showError(checked);
      return;
    }
    own = checked.servers;
    remember(SERVERS_KEY, JSON.stringify(own));
    render(asFields(own));
    apply();
    const count = own.length;
    showText(ui.iceStatus, () =>
      count === 0
        ? t('core.iceSavedNone')
        : t(count === 1 ? 'core.iceSavedOne' : 'core.iceSavedMany', { count }),
    );
  }

  ui.iceForm.addEventListener('submit', (event) => {
    event.preventDefault();
    save();
  });
  ui.addIceServer.addEventListener('click', () => {
    render([...typed(), { urls: '', username: '', credential: '' }]);
    entries.at(-1)?.inputs.urls.focus();
  });
  ui.relayOnly.addEventListener('change', () => {
    remember(RELAY_ONLY_KEY, ui.relayOnly.checked ? '1' : '0');
    apply();
  });

  ui.relayOnly.checked = remembered(RELAY_ONLY_KEY) === '1';
  render(asFields(own));
  apply();

  return {
    setServerIceServers(servers) {
      fromServer = [...servers];
      apply();
    },
  };
}
