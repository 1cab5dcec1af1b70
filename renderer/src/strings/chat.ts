/** The chat strings, English and French. Keys start with `chat.`. */
import type { Section, Translation } from './types.js';

export const en = {
  'chat.toggle': 'Chat',
  'chat.toggleUnreadOne': 'Chat, 1 unread message',
  'chat.toggleUnreadMany': 'Chat, {count} unread messages',
  'chat.log': 'Chat messages',
  'chat.input': 'Message',
  'chat.placeholder': 'Enter sends, Shift+Enter starts a new line',
  'chat.send': 'Send',
  'chat.linkTitle': 'Opens {url} in your browser',
  'chat.newMessage': 'New chat message from {name}.',
  'chat.stateIdle': 'Chat works during a call; its messages are cleared when the call ends.',
  'chat.stateConnecting': 'Chat connects with the call…',
  'chat.stateReady': 'Messages stay until the call ends.',
  'chat.stateReconnecting': 'Reconnecting: what you send now arrives once the call is back.',
  'chat.stateUnavailable': 'Chat is unavailable in this call: the app {name} uses has no chat.',
  'chat.stateClosed': 'Chat was closed; the call goes on.',
  'chat.refusedIdle': 'Not sent: you are not in a call.',
  'chat.refusedConnecting': 'Not sent: chat is not connected yet.',
  'chat.refusedUnavailable': 'Not sent: chat is unavailable in this call.',
  'chat.refusedClosed': 'Not sent: chat was closed in this call.',
  'chat.tooLong': 'Too long: {length} characters, the limit is {max}.',
  'chat.sendFailed': 'Not sent: {reason}',
  'chat.linkFailed': 'Could not open the link: {reason}',
} as const satisfies Section;

export const fr: Translation<typeof en> = {
  'chat.toggle': 'Discussion',
  'chat.toggleUnreadOne': 'Discussion, 1 message non lu',
  'chat.toggleUnreadMany': 'Discussion, {count} messages non lus',
  'chat.log': 'Messages de la discussion',
  'chat.input': 'Message',
  'chat.placeholder': 'Entrée pour envoyer, Maj+Entrée pour aller à la ligne',
  'chat.send': 'Envoyer',
  'chat.linkTitle': 'Ouvre {url} dans votre navigateur',
  'chat.newMessage': 'Nouveau message de {name}.',
  'chat.stateIdle':
    'La discussion fonctionne pendant un appel ; ses messages sont effacés quand il se termine.',
  'chat.stateConnecting': 'La discussion se connecte avec l’appel…',
  'chat.stateReady': 'Les messages restent jusqu’à la fin de l’appel.',
  'chat.stateReconnecting':
    'Reconnexion : ce que vous envoyez maintenant arrivera quand l’appel sera rétabli.',
  'chat.stateUnavailable':
    'La discussion n’est pas disponible pendant cet appel : l’application de {name} n’en a pas.',
  'chat.stateClosed': 'La discussion a été fermée ; l’appel continue.',
  'chat.refusedIdle': 'Non envoyé : vous n’êtes pas en appel.',
  'chat.refusedConnecting': 'Non envoyé : la discussion n’est pas encore connectée.',
  'chat.refusedUnavailable': 'Non envoyé : la discussion n’est pas disponible pendant cet appel.',
  'chat.refusedClosed': 'Non envoyé : la discussion a été fermée pendant cet appel.',
  'chat.tooLong': 'Trop long : {length} caractères, la limite est de {max}.',
  'chat.sendFailed': 'Non envoyé : {reason}',
  'chat.linkFailed': 'Impossible d’ouvrir le lien : {reason}',
};
