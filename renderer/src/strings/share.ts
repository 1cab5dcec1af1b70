/** The share strings, English and French. Keys start with `share.`. */
import type { Section, Translation } from './types.js';

export const en = {
  'share.start': 'Share screen',
  'share.stop': 'Stop sharing',
  'share.started': 'You are sharing your screen.',
  'share.startedWithAudio': 'You are sharing your screen and your computer’s sound.',
  'share.stopped': 'Screen sharing stopped.',
  'share.cancelled': 'Screen sharing cancelled.',
  'share.failed': 'Could not share your screen: {reason}',
  'share.unsupported': 'This browser cannot share a screen.',
  'share.pickerTitle': 'Share your screen',
  'share.pickerHint': 'Choose what the other side will see.',
  'share.loading': 'Looking for screens and windows…',
  'share.none': 'No screen or window to share was found.',
  'share.screens': 'Screens',
  'share.windows': 'Windows',
  'share.systemAudio': 'Share system audio',
  'share.share': 'Share',
  'share.cancel': 'Cancel',
} as const satisfies Section;

export const fr: Translation<typeof en> = {
  'share.start': 'Partager l’écran',
  'share.stop': 'Arrêter le partage',
  'share.started': 'Vous partagez votre écran.',
  'share.startedWithAudio': 'Vous partagez votre écran et le son de votre ordinateur.',
  'share.stopped': 'Partage d’écran arrêté.',
  'share.cancelled': 'Partage d’écran annulé.',
  'share.failed': 'Impossible de partager votre écran : {reason}',
  'share.unsupported': 'Ce navigateur ne permet pas de partager l’écran.',
  'share.pickerTitle': 'Partager votre écran',
  'share.pickerHint': 'Choisissez ce que votre correspondant verra.',
  'share.loading': 'Recherche des écrans et des fenêtres…',
  'share.none': 'Aucun écran ni aucune fenêtre à partager.',
  'share.screens': 'Écrans',
  'share.windows': 'Fenêtres',
  'share.systemAudio': 'Partager le son de l’ordinateur',
  'share.share': 'Partager',
  'share.cancel': 'Annuler',
};
