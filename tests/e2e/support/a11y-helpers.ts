/**
 * Helpers for the accessibility and language tests: a page in a context of the test's choosing
 * (locale, viewport, reduced motion), an axe-core scan, the keyboard's focus path, and every
 * text the page holds.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from '@playwright/test';
import type Axe from 'axe-core';

/** A page of its own context; close the context when done. */
export interface OpenPage {
  context: BrowserContext;
  page: Page;
}

/** Opens `url` in a fresh context with `options` over a 1280×720 window. */
export async function openPage(
  browser: Browser,
  url: string,
  options: BrowserContextOptions = {},
): Promise<OpenPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, ...options });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
  await page.goto(url);
  return { context, page };
}

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  /** Selectors of the offending elements. */
  targets: string[];
}

declare global {
  interface Window {
    /** axe-core, once {@link seriousViolations} put it in the page. */
    axe?: typeof Axe;
  }
}

/**
 * Runs axe-core on the whole page and returns its serious and critical violations. The page's
 * CSP refuses script tags; evaluating the source through the DevTools protocol is not governed
 * by it, and the page's own policy stays as it ships.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => window.axe !== undefined))) await page.evaluate(await axeSource);
  return page.evaluate(async () => {
    const results = await window.axe!.run(document, { resultTypes: ['violations'] });
    return results.violations
      .filter(({ impact }) => impact === 'serious' || impact === 'critical')
      .map(({ id, impact, help, nodes }) => ({
        id,
        impact: impact ?? '',
        help,
        targets: nodes.map(({ target }) => target.join(' ')),
      }));
  });
}

/** One stop of the keyboard's focus, and how it shows. */
export interface FocusStop {
  /** `tag#id "accessible text"`, to read in a failure. */
  name: string;
  /** The outline's style, width in CSS px, and its contrast against what surrounds it. */
  outline: { style: string; width: number; contrast: number };
}

/** Says which element has the focus and how its focus outline looks. */
function describeFocus(): FocusStop | null {
  const element = document.activeElement;
  if (!(element instanceof HTMLElement) || element === document.body) return null;
  const rgb = (color: string): number[] => (color.match(/[\d.]+/g) ?? []).map(Number);
  const luminance = (color: string): number => {
    const [r = 0, g = 0, b = 0] = rgb(color).map((v) => {
      const c = v / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  // The outline is drawn outside the element: against the first opaque background around it.
  let around: Element | null = element.parentElement;
  let background = 'rgb(255, 255, 255)';
  while (around) {
    const color = getComputedStyle(around).backgroundColor;
    if ((rgb(color)[3] ?? 1) > 0) {
      background = color;
      break;
    }
    around = around.parentElement;
  }
  const style = getComputedStyle(element);
  const [light, dark] = [luminance(style.outlineColor), luminance(background)].sort(
    (a, b) => b - a,
  );
  const text = (element.getAttribute('aria-label') ?? element.textContent ?? '').trim();
  return {
    name: `${element.tagName.toLowerCase()}#${element.id} "${text.slice(0, 40)}"`,
    outline: {
      style: style.outlineStyle,
      width: parseFloat(style.outlineWidth),
      contrast: (light! + 0.05) / (dark! + 0.05),
    },
  };
}

/**
 * What Tab should reach, in order: every visible, enabled control, one stop per radio group
 * (its checked radio), as the page's DOM orders them (the page sets no positive tabindex).
 */
function expectedStops(): string[] {
  const selector = 'a[href], button, input, select, textarea, summary, [tabindex]';
  const radioGroups = new Set<string>();
  const stops: string[] = [];
  for (const element of document.querySelectorAll<HTMLElement>(selector)) {
    if (element.tabIndex < 0 || (element as HTMLButtonElement).disabled) continue;
    if (!element.checkVisibility({ visibilityProperty: true })) continue;
    if (element instanceof HTMLInputElement && element.type === 'radio') {
      const group = element.name;
      const checked = document.querySelector<HTMLInputElement>(
        `input[type="radio"][name="${group}"]:checked`,
      );
      if (radioGroups.has(group) || (checked && checked !== element)) continue;
      radioGroups.add(group);
    }
    const text = (element.getAttribute('aria-label') ?? element.textContent ?? '').trim();
    stops.push(`${element.tagName.toLowerCase()}#${element.id} "${text.slice(0, 40)}"`);
  }
  return stops;
}

/**
 * Presses Tab from the top of the page through every stop; returns the stops that should be
 * reached and the ones the focus went to, each with its outline.
 */
export async function tabThrough(
  page: Page,
): Promise<{ expected: string[]; reached: FocusStop[] }> {
  const expected = await page.evaluate(expectedStops);
  // Focus starts from the top of the page: a click on its title (nothing focusable before it).
  await page.locator('h1').click();
  const reached: FocusStop[] = [];
  for (let i = 0; i < expected.length; i += 1) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(describeFocus);
    if (stop) reached.push(stop);
  }
  return { expected, reached };
}

/**
 * Every text of the page a person may meet: text nodes (shown or hidden) and the attributes read
 * out or shown as text, except inside an element marked as another language on purpose.
 */
export function pageTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const pageLanguage = document.documentElement.lang;
    const foreign = (element: Element | null): boolean => {
      const marked = element?.closest('[lang]')?.getAttribute('lang');
      return !!marked && marked !== pageLanguage;
    };
    const texts = [document.title];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || foreign(parent) || ['SCRIPT', 'STYLE'].includes(parent.tagName)) continue;
      texts.push(node.textContent ?? '');
    }
    const attributes = ['aria-label', 'title', 'placeholder', 'alt', 'aria-description'];
    for (const element of document.body.querySelectorAll('*')) {
      if (foreign(element)) continue;
      for (const attribute of attributes) texts.push(element.getAttribute(attribute) ?? '');
      if (element instanceof HTMLInputElement && ['button', 'submit'].includes(element.type)) {
        texts.push(element.value);
      }
    }
    return texts.map((text) => text.replace(/\s+/g, ' ').trim()).filter((text) => text !== '');
  });
}
