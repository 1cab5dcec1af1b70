/**
 * The catalogue (renderer/src/strings) and the page's formatters, in Node: every section speaks
 * both languages with the same keys and placeholders, and numbers come out as each language
 * writes them.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import type * as I18n from '../../renderer/src/i18n.js';
import { SECTIONS } from '../../renderer/src/strings/index.js';

let i18n: typeof I18n;

beforeAll(async () => {
  // i18n.ts reads the remembered choice at load and translates the document on a switch: Node
  // has neither, so the test gives it an empty storage and a document with nothing to translate.
  const stored = new Map<string, string>();
  vi.stubGlobal('localStorage', {
    getItem: (key: string) => stored.get(key) ?? null,
    setItem: (key: string, value: string) => void stored.set(key, value),
  });
  vi.stubGlobal('document', { documentElement: { lang: '' }, querySelectorAll: () => [] });
  i18n = await import('../../renderer/src/i18n.js');
});

afterEach(() => i18n.setLanguage('en'));
afterAll(() => vi.unstubAllGlobals());

const placeholders = (text: string): string[] =>
  [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!).sort();

/** ICU versions differ on which no-break space French puts before units and between thousands. */
const plain = (text: string): string => text.replace(/[\u00a0\u202f]/g, ' ');

describe.each(Object.entries(SECTIONS))('section %s', (name, section) => {
  const en: Record<string, string> = section.en;
  const fr: Record<string, string> = section.fr;

  test('English and French have the same keys, each starting with the section name', () => {
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en)) expect(key.startsWith(`${name}.`), key).toBe(true);
  });

  test('no value is empty, and both languages use the same placeholders', () => {
    for (const [key, text] of Object.entries(en)) {
      expect(text.trim(), `en ${key}`).not.toBe('');
      expect(fr[key]?.trim(), `fr ${key}`).not.toBe('');
      expect(placeholders(fr[key] ?? ''), key).toEqual(placeholders(text));
    }
  });
});

test('no key is in two sections', () => {
  const seen = new Map<string, string>();
  for (const [name, section] of Object.entries(SECTIONS)) {
    for (const key of Object.keys(section.en)) {
      expect(seen.get(key), `${key} in ${name}`).toBeUndefined();
      seen.set(key, name);
    }
  }
});

test('French is picked for any French system language, English otherwise', () => {
  expect(i18n.pickLanguage(['fr-CA', 'en-US'])).toBe('fr');
  expect(i18n.pickLanguage(['fr'])).toBe('fr');
  expect(i18n.pickLanguage(['de-DE', 'FR-fr'])).toBe('fr');
  expect(i18n.pickLanguage(['en-GB', 'fr-FR'])).toBe('en');
  expect(i18n.pickLanguage(['de-DE', 'es'])).toBe('en');
  expect(i18n.pickLanguage([])).toBe('en');
});

test('a switch changes t(), fills placeholders, and tells listeners', () => {
  const heard: string[] = [];
  const stop = i18n.onLanguageChange((language) => heard.push(language));
  expect(i18n.t('core.callInCall', { name: 'Ana' })).toBe('In call with Ana');
  i18n.setLanguage('fr');
  stop();
  expect(heard).toEqual(['fr']);
  expect(i18n.language()).toBe('fr');
  expect(i18n.t('core.callInCall', { name: 'Ana' })).toBe('En appel avec Ana');
  expect(plain(i18n.t('core.nameTooLong', { max: 1040 }))).toBe('Le nom dépasse 1 040 caractères.');
  expect(i18n.languageChosen()).toBe(true);
});

test('sizes, rates, durations, dates and times are written as each language writes them', () => {
  const date = new Date(2036, 0, 1, 14, 5);
  const formats = (): string[] =>
    [
      i18n.formatSize(12_500_000),
      i18n.formatSize(12),
      i18n.formatSize(1_500_000_000),
      i18n.formatSpeed(4_200_000),
      i18n.formatBitrate(1_200_000),
      i18n.formatNumber(1234567),
      i18n.formatDuration(185),
      i18n.formatDate(date),
      i18n.formatClock(date),
    ].map(plain);

  expect(formats()).toEqual([
    '12.5 MB',
    '12 bytes',
    '1.5 GB',
    '4.2 MB/s',
    '1.2 Mb/s',
    '1,234,567',
    '3m 5s',
    'January 1, 2036',
    '2:05 PM',
  ]);
  i18n.setLanguage('fr');
  expect(formats()).toEqual([
    '12,5 Mo',
    '12 octets',
    '1,5 Go',
    '4,2 Mo/s',
    '1,2 Mbit/s',
    '1 234 567',
    '3min 5s',
    '1 janvier 2036',
    '14:05',
  ]);
});
