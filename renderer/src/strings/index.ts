/**
 * The one catalogue: every string the page shows, in English and French, gathered from one
 * section per part of the page (each section's keys start with its file's name).
 */
import * as chat from './chat.js';
import * as core from './core.js';
import * as devices from './devices.js';
import * as files from './files.js';
import * as quality from './quality.js';
import * as share from './share.js';

/** The sections, by the prefix their keys carry. */
export const SECTIONS = { core, devices, share, chat, files, quality } as const;

const en = { ...core.en, ...devices.en, ...share.en, ...chat.en, ...files.en, ...quality.en };
const fr: { readonly [K in keyof typeof en]: string } = {
  ...core.fr,
  ...devices.fr,
  ...share.fr,
  ...chat.fr,
  ...files.fr,
  ...quality.fr,
};

export const CATALOGUES = { en, fr } as const;

/** A string of the catalogue. */
export type StringKey = keyof typeof en;
