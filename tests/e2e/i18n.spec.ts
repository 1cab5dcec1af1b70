/**
 * The French interface, on the real served page with the real appel-signal: a browser whose
 * language is French gets it whole. Every English string of the catalogue (all its sections)
 * is looked for in the page's text, shown or hidden, and in the attributes read out; the
 * language switch in settings changes the page mid-call, both ways, and is remembered.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { CATALOGUES } from '../../renderer/src/strings/index.js';
import type { AppelSignal } from '../support/appel-signal.js';
import { startCallBed, stopCallBed } from './support/call-bed.js';
import { openPage, pageTexts, type OpenPage } from './support/a11y-helpers.js';

type Language = keyof typeof CATALOGUES;
type Key = keyof (typeof CATALOGUES)['en'];

let server: AppelSignal;
let browser: Browser;
let pages: OpenPage[] = [];

test.beforeAll(async () => ({ server, browser } = await startCallBed()));
test.afterAll(() => stopCallBed(server, browser));

test.afterEach(async () => {
  await Promise.all(pages.map(({ context }) => context.close()));
  pages = [];
});

const FR = CATALOGUES.fr;
const PRODUCT = 'Appel';

async function openFrench(): Promise<Page> {
  const opened = await openPage(browser, `${server.url}/`, { locale: 'fr-FR' });
  pages.push(opened);
  return opened.page;
}

/** The page's text as the catalogue's is compared: runs of white space (no-break too) as one. */
const flat = (text: string): string => text.replace(/\s+/g, ' ').trim();

/**
 * How each string of `foreign` that `language` words differently would show: the whole text with
 * anything in its placeholders, or a long stretch of its own words inside a longer text.
 */
function giveaways(foreign: Language, language: Language) {
  const own = Object.values(CATALOGUES[language]).map(flat);
  return (
    Object.entries(CATALOGUES[foreign])
      .filter(([key, text]) => flat(text) !== flat(CATALOGUES[language][key as Key]))
      // French for "call" is also the app's name, which every language keeps.
      .filter(([, text]) => text !== PRODUCT)
      .map(([key, text]) => {
        const parts = flat(text).split(/\{\w+\}/);
        const escaped = parts.map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'));
        return {
          key,
          // A string of nothing but placeholders (the server's own words) gives nothing away.
          wordless: parts.join('').replace(/[\s\p{P}]/gu, '') === '',
          whole: new RegExp(`^${escaped.join('.*')}$`, 'su'),
          stretches: parts
            .map((part) => part.trim())
            .filter((part) => part.length >= 12 && !own.some((mine) => mine.includes(part))),
        };
      })
      .filter(({ wordless }) => !wordless)
  );
}

/** Fails with every text of the page that is a string of `foreign` left untranslated. */
async function expectNoStringOf(page: Page, foreign: Language, where: string): Promise<void> {
  const language: Language = foreign === 'en' ? 'fr' : 'en';
  await expect(page.locator('html')).toHaveAttribute('lang', language);
  const texts = await pageTexts(page);
  expect(texts.length, 'the page has text to check').toBeGreaterThan(20);
  const left = giveaways(foreign, language).flatMap(({ key, whole, stretches }) =>
    texts
      .filter((text) => whole.test(text) || stretches.some((stretch) => text.includes(stretch)))
      .map((text) => `${key}: "${text}"`),
  );
  expect(left, `${foreign} strings left on the ${language} page (${where})`).toEqual([]);
}

async function joinInFrench(page: Page, name: string): Promise<void> {
  await page.getByRole('textbox', { name: FR['core.yourName'] }).fill(name);
  await page.getByRole('button', { name: FR['core.joinButton'], exact: true }).click();
  await expect(page.locator('#self-name')).toHaveText(name);
}

const fill = (key: Key, params: Record<string, string>, language: Language = 'fr'): string =>
  CATALOGUES[language][key].replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? '');

const callStatus = (page: Page, language: Language = 'fr') =>
  page.getByRole('status', { name: CATALOGUES[language]['core.callStatus'] });

/** Opens what the page keeps folded: the server settings and every collapsed panel. */
async function unfoldEverything(page: Page): Promise<void> {
  await page.evaluate(() => {
    for (const details of document.querySelectorAll('details')) details.open = true;
  });
  for (const toggle of await page.locator('button[aria-expanded="false"]:visible').all()) {
    await toggle.click();
  }
}

test('a French system gets the French page: setup, room, ring and call, with no English left', async () => {
  const amelie = await openFrench();
  await expect(amelie.getByRole('heading', { name: FR['core.setupHeading'] })).toBeVisible();
  await expectNoStringOf(amelie, 'en', 'setup screen');

  await joinInFrench(amelie, 'Amélie');
  await amelie.getByText(FR['core.ownServers']).click();
  await amelie.getByRole('button', { name: FR['core.addServer'] }).click();
  await expect(
    amelie.getByLabel(fill('core.iceFieldLabel', { field: 'URL', n: '1' })),
  ).toBeVisible();
  await expectNoStringOf(amelie, 'en', 'room');

  const bastien = await openFrench();
  await joinInFrench(bastien, 'Bastien');
  await amelie.getByRole('button', { name: fill('core.callPerson', { name: 'Bastien' }) }).click();
  const ring = bastien.getByRole('alertdialog');
  await expect(ring).toContainText(fill('core.ringText', { name: 'Amélie' }));
  await expect(callStatus(amelie)).toHaveText(fill('core.callRinging', { name: 'Bastien' }));
  await expectNoStringOf(bastien, 'en', 'ringing');
  await ring.getByRole('button', { name: FR['core.accept'] }).click();

  await expect(callStatus(amelie)).toHaveText(fill('core.callInCall', { name: 'Bastien' }));
  await expect(callStatus(bastien)).toHaveText(fill('core.callInCall', { name: 'Amélie' }));
  for (const page of [amelie, bastien]) {
    await unfoldEverything(page);
    await expectNoStringOf(page, 'en', 'in a call');
  }
  // Tooltips carry the shortcut in French key names.
  await expect(amelie.getByRole('button', { name: FR['core.mute'] })).toHaveAttribute(
    'title',
    fill('core.muteTip', { keys: 'Alt+Maj+M' }),
  );

  // The end of the call, in French on both sides.
  await amelie.getByRole('button', { name: FR['core.hangUp'] }).click();
  const ended = (detail: string): string => fill('core.callEndedWhy', { detail });
  await expect(callStatus(amelie)).toHaveText(ended(FR['core.endYouHungUp']));
  await expect(callStatus(bastien)).toHaveText(ended(fill('core.endHungUp', { name: 'Amélie' })));
  for (const page of [amelie, bastien]) await expectNoStringOf(page, 'en', 'after the call');
});

test('the language switch changes the page mid-call, both ways, without a reload', async () => {
  const amelie = await openFrench();
  const bastien = await openFrench();
  await joinInFrench(amelie, 'Amélie');
  await joinInFrench(bastien, 'Bastien');
  await amelie.getByRole('button', { name: fill('core.callPerson', { name: 'Bastien' }) }).click();
  await bastien.getByRole('alertdialog').getByRole('button', { name: FR['core.accept'] }).click();
  await expect(callStatus(amelie)).toHaveText(fill('core.callInCall', { name: 'Bastien' }));

  await amelie.getByRole('combobox', { name: FR['core.language'] }).selectOption('en');
  await expect(callStatus(amelie, 'en')).toHaveText('In call with Bastien');
  await expect(amelie.getByRole('button', { name: 'Mute microphone' })).toBeVisible();
  await expect(amelie.getByRole('button', { name: 'Hang up' })).toBeEnabled();
  await expect(amelie.getByRole('combobox', { name: 'Language' })).toHaveValue('en');
  await unfoldEverything(amelie);
  await expectNoStringOf(amelie, 'fr', 'switched to English mid-call');

  await amelie.getByRole('combobox', { name: 'Language' }).selectOption('fr');
  await expect(callStatus(amelie)).toHaveText(fill('core.callInCall', { name: 'Bastien' }));
  await expect(amelie.getByRole('button', { name: FR['core.mute'] })).toBeVisible();
  await expectNoStringOf(amelie, 'en', 'switched back to French mid-call');
  // A reload would have ended the call: it never dropped, and the other side stayed French.
  await expect(callStatus(bastien)).toHaveText(fill('core.callInCall', { name: 'Amélie' }));
});

test('the chosen language is remembered over the system one', async () => {
  const page = await openFrench();
  await page.getByRole('combobox', { name: FR['core.language'] }).selectOption('en');
  await expect(page.getByRole('button', { name: 'Join', exact: true })).toBeVisible();
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('combobox', { name: 'Language' })).toHaveValue('en');
  await expectNoStringOf(page, 'fr', 'reloaded after choosing English');
});
