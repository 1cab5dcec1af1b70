/** The devices strings, English and French. Keys start with `devices.`. */
import type { Section, Translation } from './types.js';

export const en = {
  'devices.check': 'Check camera and microphone',
  'devices.preview': 'Camera preview',
  'devices.previewHint':
    'Only you see this preview. Nothing is sent until you call or accept a call.',
  'devices.level': 'Microphone level',
  'devices.group': 'Devices',
  'devices.camera': 'Camera',
  'devices.microphone': 'Microphone',
  'devices.speaker': 'Speaker',
  'devices.unnamedCamera': 'Camera {n}',
  'devices.unnamedMicrophone': 'Microphone {n}',
  'devices.unnamedSpeaker': 'Speaker {n}',
  'devices.none': 'None found',
  'devices.using': 'Now using {device}.',
  'devices.goneCamera': '“{device}” is not available: using the default camera.',
  'devices.goneMicrophone': '“{device}” is not available: using the default microphone.',
  'devices.goneSpeaker': '“{device}” is not available: the call plays on the default speaker.',
  'devices.switchFailed': 'Could not switch to “{device}”: {reason}.',
  'devices.speakerFailed': 'Could not play the call on “{device}”: {reason}.',
  'devices.noMediaApi':
    'This browser cannot use a camera or microphone here (the page needs https). ' +
    'You can still receive calls.',
  'devices.withoutMicrophone': 'Calling without microphone: {reason}.',
  'devices.withoutCamera': 'Calling without camera: {reason}.',
  'devices.noMedia':
    'No camera or microphone: {reason}. You can still receive the other side’s video and audio.',
  'devices.deniedCamera': 'permission to use the camera was denied',
  'devices.deniedMicrophone': 'permission to use the microphone was denied',
  'devices.deniedSpeaker': 'permission to use the speaker was denied',
  'devices.deniedBoth': 'permission to use the camera and microphone was denied',
  'devices.notFoundCamera': 'no camera was found',
  'devices.notFoundMicrophone': 'no microphone was found',
  'devices.notFoundSpeaker': 'no speaker was found',
  'devices.notFoundBoth': 'no camera or microphone was found',
  'devices.busyCamera': 'the camera is in use by another program',
  'devices.busyMicrophone': 'the microphone is in use by another program',
  'devices.busySpeaker': 'the speaker is in use by another program',
  'devices.busyBoth': 'the camera and microphone are in use by another program',
} as const satisfies Section;

export const fr: Translation<typeof en> = {
  'devices.check': 'Tester la caméra et le micro',
  'devices.preview': 'Aperçu de la caméra',
  'devices.previewHint':
    'Vous seul voyez cet aperçu. Rien n’est envoyé avant que vous appeliez ou acceptiez un appel.',
  'devices.level': 'Niveau du micro',
  'devices.group': 'Appareils',
  'devices.camera': 'Caméra',
  'devices.microphone': 'Micro',
  'devices.speaker': 'Haut-parleur',
  'devices.unnamedCamera': 'Caméra {n}',
  'devices.unnamedMicrophone': 'Micro {n}',
  'devices.unnamedSpeaker': 'Haut-parleur {n}',
  'devices.none': 'Aucun appareil',
  'devices.using': 'Vous utilisez maintenant {device}.',
  'devices.goneCamera': '« {device} » n’est pas disponible : la caméra par défaut prend le relais.',
  'devices.goneMicrophone':
    '« {device} » n’est pas disponible : le micro par défaut prend le relais.',
  'devices.goneSpeaker':
    '« {device} » n’est pas disponible : l’appel passe par le haut-parleur par défaut.',
  'devices.switchFailed': 'Impossible de passer à « {device} » : {reason}.',
  'devices.speakerFailed': 'Impossible de faire passer l’appel par « {device} » : {reason}.',
  'devices.noMediaApi':
    'Ce navigateur ne peut pas utiliser de caméra ni de micro ici (la page doit être en https). ' +
    'Vous pouvez tout de même recevoir des appels.',
  'devices.withoutMicrophone': 'Appel sans micro : {reason}.',
  'devices.withoutCamera': 'Appel sans caméra : {reason}.',
  'devices.noMedia':
    'Ni caméra ni micro : {reason}. Vous recevez tout de même l’image et le son de l’autre personne.',
  'devices.deniedCamera': 'l’autorisation d’utiliser la caméra a été refusée',
  'devices.deniedMicrophone': 'l’autorisation d’utiliser le micro a été refusée',
  'devices.deniedSpeaker': 'l’autorisation d’utiliser le haut-parleur a été refusée',
  'devices.deniedBoth': 'l’autorisation d’utiliser la caméra et le micro a été refusée',
  'devices.notFoundCamera': 'aucune caméra n’a été trouvée',
  'devices.notFoundMicrophone': 'aucun micro n’a été trouvé',
  'devices.notFoundSpeaker': 'aucun haut-parleur n’a été trouvé',
  'devices.notFoundBoth': 'ni caméra ni micro n’ont été trouvés',
  'devices.busyCamera': 'la caméra est utilisée par un autre programme',
  'devices.busyMicrophone': 'le micro est utilisé par un autre programme',
  'devices.busySpeaker': 'le haut-parleur est utilisé par un autre programme',
  'devices.busyBoth': 'la caméra et le micro sont utilisés par un autre programme',
};
