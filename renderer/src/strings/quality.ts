/** The quality strings, English and French. Keys start with `quality.`. */
import type { Section, Translation } from './types.js';

export const en = {} as const satisfies Section;

export const fr: Translation<typeof en> = {};
