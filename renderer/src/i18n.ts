/**
 * The page's language: English or French, from the system's languages until the user picks one
 * in settings (remembered). Every string comes from the catalogue (strings/); numbers, sizes,
 * rates and times are formatted for the language with Intl.
 *
 * Static text in index.html names its key: `data-i18n="core.key"` sets the text,
 * `data-i18n-attrs="aria-label:core.key;placeholder:core.other"` sets attributes. Code that
 * writes text itself calls {@link t} and re-renders on {@link onLanguageChange}.
 */
import { CATALOGUES, type StringKey } from './strings/index.js';
import { remember, remembered } from './storage.js';

export type { StringKey };
export type Language = keyof typeof CATALOGUES;
export const LANGUAGES = Object.keys(CATALOGUES) as Language[];

/** Parameters filled into a string's `{name}` placeholders. */
export type Params = Readonly<Record<string, string | number>>;

const LANGUAGE_KEY = 'appel.language';

function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as string[]).includes(value);
}

/** The first of the system's preferred languages Appel speaks, else English. */
export function pickLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

function initialLanguage(): Language {
  const chosen = remembered(LANGUAGE_KEY);
  if (isLanguage(chosen)) return chosen;
  return pickLanguage(typeof navigator === 'undefined' ? [] : navigator.languages);
}

let current: Language = initialLanguage();
const listeners = new Set<(language: Language) => void>();

export function language(): Language {
  return current;
}

/** Whether the user picked the language (else it follows the system). */
export function languageChosen(): boolean {
  return isLanguage(remembered(LANGUAGE_KEY));
}

/** The string `key` in the current language, with `{name}` placeholders filled from `params`. */
export function t(key: StringKey, params?: Params): string {
  const text: string = CATALOGUES[current][key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === 'number' ? formatNumber(value) : value;
  });
}

/** Switches the page's language, remembers it, and re-renders what listens. */
export function setLanguage(next: Language): void {
  remember(LANGUAGE_KEY, next);
  if (next === current) return;
  current = next;
  translatePage();
  for (const [element, words] of shownTexts) element.textContent = words();
  for (const listener of listeners) listener(next);
}

/** Elements of the page whose text code sets, with how to say it again in another language. */
const shownTexts = new Map<HTMLElement, () => string>();

/**
 * Sets the text of one of the page's fixed elements (a status line, the alert) to `words()`,
 * and again after each language switch until the next call: the last state is said anew.
 * Elements code creates and removes re-render themselves on {@link onLanguageChange} instead.
 */
export function showText(element: HTMLElement, words: () => string): void {
  shownTexts.set(element, words);
  element.textContent = words();
}

/** Called after each language switch (the static text is already translated). */
export function onLanguageChange(listener: (language: Language) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Applies `data-i18n` and `data-i18n-attrs` under `root`, and the document's `lang`. */
export function translatePage(root: ParentNode = document): void {
  if (root === document) document.documentElement.lang = current;
  for (const element of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    element.textContent = t(element.dataset.i18n as StringKey);
  }
  for (const element of root.querySelectorAll<HTMLElement>('[data-i18n-attrs]')) {
    for (const pair of (element.dataset.i18nAttrs ?? '').split(';')) {
      const [attribute, key] = pair.split(':').map((part) => part.trim());
      if (attribute && key) element.setAttribute(attribute, t(key as StringKey));
    }
  }
}

// Formatting ------------------------------------------------------------------------------------

export function formatNumber(value: number, options?: Intl.NumberFormatOptions): string {
  return new Intl.NumberFormat(current, options).format(value);
}

const SIZE_UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/** A file size: "12.5 MB" / "12,5 Mo" (decimal units, as file managers show them). */
export function formatSize(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < SIZE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return formatNumber(value, {
    style: 'unit',
    unit: SIZE_UNITS[unit],
    // Bytes in full ("12 bytes", "12 octets"): the short English unit is a bare "byte".
    unitDisplay: unit === 0 ? 'long' : 'short',
    maximumFractionDigits: unit === 0 || value >= 100 ? 0 : 1,
  });
}

/** A transfer speed: "4.2 MB/s" / "4,2 Mo/s". */
export function formatSpeed(bytesPerSecond: number): string {
  return `${formatSize(bytesPerSecond)}/s`;
}

const BIT_UNITS = ['bit-per-second', 'kilobit-per-second', 'megabit-per-second'] as const;

/** A media bitrate: "1.2 Mb/s" / "1,2 Mbit/s". */
export function formatBitrate(bitsPerSecond: number): string {
  let value = Math.max(0, bitsPerSecond);
  let unit = 0;
  while (value >= 1000 && unit < BIT_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return formatNumber(value, {
    style: 'unit',
    unit: BIT_UNITS[unit],
    unitDisplay: 'short',
    maximumFractionDigits: unit === 0 || value >= 100 ? 0 : 1,
  });
}

/** A time left or elapsed: "42s", "3m 5s", "1h 2m" / "42s", "3min 5s", "1h 2min". */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  const part = (value: number, unit: 'hour' | 'minute' | 'second'): string =>
    formatNumber(value, { style: 'unit', unit, unitDisplay: 'narrow' });
  if (hours > 0) return `${part(hours, 'hour')} ${part(minutes, 'minute')}`;
  if (minutes > 0) return `${part(minutes, 'minute')} ${part(rest, 'second')}`;
  return part(rest, 'second');
}

/** A calendar date, as a certificate's expiry: "January 1, 2036" / "1 janvier 2036". */
export function formatDate(date: Date): string {
  return new Intl.DateTimeFormat(current, { dateStyle: 'long' }).format(date);
}

/** A clock time for a chat message: "14:05" / "2:05 PM" as the language writes it. */
export function formatClock(date: Date): string {
  return new Intl.DateTimeFormat(current, { hour: 'numeric', minute: '2-digit' }).format(date);
}
