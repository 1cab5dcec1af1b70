/**
 * The core strings, English and French: the setup screen, the room, the call's state and
 * controls, the connection settings, the language switch and the keyboard shortcuts. Keys start
 * with `core.`.
 *
 * French typography: a no-break space (\u00a0) before `:` and inside « », a narrow one (\u202f)
 * before `;`, `?` and `!`.
 */
import type { Section, Translation } from './types.js';

export const en = {
  // The page's header and its live regions.
  'core.serverConnection': 'Server connection',
  'core.notice': 'Notice',
  'core.language': 'Language',
  /** The language's own name, shown in the language switch whatever the page's language. */
  'core.languageName': 'English',

  // The setup screen.
  'core.setupHeading': 'Start a call',
  'core.yourName': 'Your name',
  'core.namePlaceholder': 'How others see you',
  'core.mode': 'Mode',
  'core.modeHost': 'Host',
  'core.modeJoin': 'Join',
  'core.hostUnavailable':
    'Hosting needs the Appel desktop app. In a browser you join the server that served this page.',
  'core.forwardPort':
    'Ask my router to open a port so guests on the internet can join (UPnP / NAT-PMP). It ' +
    'closes when you leave.',
  'core.hostButton': 'Host a call',
  'core.inviteOrAddress': 'Invite or server address',
  'core.invitePlaceholder': 'https://192.168.1.20:8443/#room=…&key=…&fp=AB:CD:…',
  'core.fingerprintLabel': 'Certificate fingerprint (optional)',
  'core.fingerprintPlaceholder': 'SHA-256, AB:CD:…',
  'core.joinButton': 'Join',
  'core.nameEmpty': 'Enter a name for others to see.',
  'core.nameTooLong': 'The name is longer than {max} characters.',
  'core.nameForbidden':
    'The name holds control or direction characters; use letters, digits, signs.',
  'core.fingerprintInvalid': 'The certificate fingerprint must be 32 bytes of hex (SHA-256).',
  'core.hostFailed': 'Could not host a call: {reason}',
  'core.joinFailed': 'Could not join: {reason}',
  'core.unknownCertificate': 'Unknown certificate',
  'core.unknownCertificateText':
    'This server presents certificate SHA-256 {fingerprint} ({subject}, valid until ' +
    "{validTo}). Compare it with the host's. Trust it?",
  'core.certificateChanged': 'Certificate changed',
  'core.certificateChangedText': '{detail} Replace the pinned certificate and join?',
  'core.trustAndJoin': 'Trust and join',
  'core.cancel': 'Cancel',
  'core.notTrusted': 'Not joined: the certificate was not trusted.',

  // The room.
  'core.callRegion': 'Call',
  'core.inviteHeading': 'Invite',
  'core.inviteToShare': 'Invite to share',
  'core.copyInvite': 'Copy invite',
  'core.newInvite': 'New invite',
  'core.inviteHint':
    'Anyone holding this invite can join your room. New invite stops the old one from letting ' +
    'anyone else in.',
  'core.addresses': 'Addresses',
  'core.certificateSha256': 'Certificate SHA-256',
  'core.copiedInvite': 'Copied the invite.',
  'core.copyInviteFailed': 'Could not copy the invite: {reason}',
  'core.newInviteReady': 'New invite ready: the old one no longer lets anyone in.',
  'core.newInviteFailed': 'Could not make a new invite: {reason}',
  'core.youAre': 'You are',
  'core.peopleHeading': 'People in this room',
  'core.noPeers': 'Nobody else is here yet.',
  'core.someone': 'Someone',
  'core.callButton': 'Call',
  'core.callPerson': 'Call {name}',
  'core.leave': 'Leave',
  'core.leaveFailed': 'Could not leave cleanly: {reason}',

  // The connection to the signaling server.
  'core.phaseIdle': 'Not connected',
  'core.phaseConnecting': 'Connecting to the server…',
  'core.phaseConnected': 'Connected to the server',
  'core.phaseReconnecting': 'Connection lost, retrying…',
  'core.phaseClosed': 'Disconnected',
  'core.disconnectedFromServer': 'Disconnected from the server: {detail}',

  // The call.
  'core.callStatus': 'Call status',
  'core.callIdle': 'No call',
  'core.callCalling': 'Calling {name}…',
  'core.callRinging': 'Ringing {name}…',
  'core.callIncoming': '{name} is calling you',
  'core.callConnecting': 'Connecting… (call with {name})',
  'core.callInCall': 'In call with {name}',
  'core.callReconnecting': 'Connection lost, reconnecting… (call with {name})',
  'core.callEnded': 'Call ended.',
  'core.callEndedWhy': 'Call ended. {detail}',
  'core.callFailed': 'Call failed: {detail}',
  'core.unknownError': 'unknown error',
  'core.endYouHungUp': 'You hung up.',
  'core.endYouDeclined': 'You declined the call from {name}.',
  'core.endMissed': 'Missed call from {name}.',
  'core.endMissedTheyLeft': 'Missed call from {name} (they left).',
  'core.endTheyLeft': '{name} left.',
  'core.endDeclined': '{name} declined the call.',
  'core.endBusy': '{name} is in another call.',
  'core.endNoAnswer': '{name} did not answer.',
  'core.endHungUp': '{name} hung up.',
  'core.endConnectTimeout':
    'Could not connect to {name} within {seconds} s (a firewall or NAT may block the direct ' +
    'connection).',
  'core.endConnectionLost':
    'The connection to {name} was lost and did not come back within {seconds} s.',
  'core.ringText': '{name} is calling you.',
  'core.accept': 'Accept',
  'core.decline': 'Decline',
  'core.remoteVideo': 'Remote video',
  'core.them': 'Them',
  'core.yourCamera': 'Your camera',
  'core.you': 'You',
  'core.mute': 'Mute microphone',
  'core.cameraOff': 'Camera off',
  'core.callSound': 'Turn on call sound',
  'core.hangUp': 'Hang up',
  'core.mediaStatus': 'Camera and microphone',
  'core.mediaUntilCall': 'Your camera and microphone stay off until you call or accept a call.',
  'core.mediaOff': 'Camera and microphone off.',
  'core.mediaOn': 'Camera and microphone on.',
  'core.playFailed': 'Cannot play the remote video: {reason}',
  'core.switchAudioFailed': 'Could not switch the audio: {reason}',
  'core.switchVideoFailed': 'Could not switch the video: {reason}',

  // Keyboard shortcuts: tooltips and what they announce.
  'core.keyAlt': 'Alt',
  'core.keyShift': 'Shift',
  'core.muteTip': 'Mute or unmute the microphone ({keys})',
  'core.cameraTip': 'Turn the camera off or on ({keys})',
  'core.shareTip': 'Share your screen or stop sharing ({keys})',
  'core.hangUpTip': 'Hang up ({keys}, pressed twice)',
  'core.microphoneMuted': 'Microphone muted.',
  'core.microphoneOn': 'Microphone on.',
  'core.cameraIsOff': 'Camera off.',
  'core.cameraIsOn': 'Camera on.',
  'core.noMicrophone': 'No microphone in this call.',
  'core.noCamera': 'No camera in this call.',
  'core.shareUnavailable': 'Screen sharing is not available now.',
  'core.hangUpAgain': 'Press {keys} again to hang up.',
  'core.noCallToHangUp': 'No call to hang up.',

  // Connection settings: STUN/TURN servers and relay only.
  'core.connectionHeading': 'Connection',
  'core.relayOnly': 'Relay only (hide my address)',
  'core.relayOnlyHint':
    'Calls then go only through a TURN relay, so the people you call never learn your IP ' +
    'address. It needs a TURN server: yours, below, or one the signaling server provides.',
  'core.relayOnlyStatus': 'Relay only',
  'core.relayOnlyOn':
    'Relay only: calls go through a TURN server, so the other side never sees your address.',
  'core.relayOnlyNoTurn':
    'Relay only is on, but no TURN server is known: calls cannot connect. Add a TURN server ' +
    'below, or join a signaling server that provides one.',
  'core.ownServers': 'Your STUN and TURN servers',
  'core.ownServersHint':
    'Used together with those the signaling server provides. Appel uses no server of its own ' +
    "or anyone else's: only the ones listed here and the signaling server's.",
  'core.serverSettingsError': 'Server settings error',
  'core.addServer': 'Add server',
  'core.saveServers': 'Save servers',
  'core.savedServers': 'Saved servers',
  'core.serverProvidesNone': 'The signaling server provides no STUN or TURN server.',
  'core.serverProvides': 'The signaling server provides: {urls}.',
  'core.iceServer': 'Server {n}',
  'core.iceRemove': 'Remove server {n}',
  'core.iceFieldLabel': '{field} (server {n})',
  'core.iceUrls': 'URLs',
  'core.iceUsername': 'username',
  'core.iceCredential': 'credential',
  'core.iceUrlPlaceholder': 'turn:turn.example.com:3478?transport=udp',
  'core.iceFieldProblem': 'Server {n}, {field}: {problem}',
  'core.iceServerProblem': 'Server {n}: {problem}',
  'core.iceNeedUrl': 'enter a stun:, turn: or turns: URL.',
  'core.iceTooManyUrls': 'too many URLs (at most 16).',
  'core.iceBadUrl':
    '"{url}" is not a STUN or TURN URL ' +
    '(like stun:stun.example.com:3478 or turn:turn.example.com:3478?transport=udp).',
  'core.iceTooLong': 'at most 512 characters.',
  'core.iceNeedUsername': 'a TURN server needs a username.',
  'core.iceNeedCredential': 'a TURN server needs a credential.',
  'core.iceBrowserRefuses': 'this browser refuses it ({detail}).',
  'core.iceTooManyServers': 'At most 16 servers.',
  'core.iceSavedNone': 'Saved: no server of your own.',
  'core.iceSavedOne': 'Saved {count} server.',
  'core.iceSavedMany': 'Saved {count} servers.',

  // Refusals. The server and main word them in English for people: English shows those words
  // ({detail}) as they are; another language says why in its own words, the original after.
  'core.joinUnauthorized':
    'The server did not let you in: this invite is wrong or was replaced by a new one, or the ' +
    'server admits invited people only. Ask the host for a new invite. ({detail})',
  'core.joinRateLimited': 'Too many attempts with a wrong invite from your address. {detail}',
  'core.joinForbidden': 'The server refused this page: {detail}',
  'core.errorInvalidPayload': '{detail}',
  'core.errorUnknownPeer': '{detail}',
  'core.errorTooLarge': '{detail}',
  'core.errorRateLimited': '{detail}',
  'core.errorForbidden': '{detail}',
  'core.errorUnauthorized': '{detail}',
  'core.errorServerFull': '{detail}',
  'core.errorTooManyConnections': '{detail}',
  'core.errorRoomFull': '{detail}',
  'core.errorGoingAway': '{detail}',
  'core.errorInternal': '{detail}',
  'core.errorFingerprintRequired': '{detail}',
  'core.errorFingerprintChanged': '{detail}',
  'core.errorTimeout': '{detail}',
  'core.errorDisconnected': '{detail}',
  'core.errorUnsupported': '{detail}',
  'core.errorDisk': '{detail}',

  // Errors no code covers.
  'core.unexpectedError': 'Unexpected error: {message}',
  'core.startFailed': 'Appel could not start: {message}',
} as const satisfies Section;

export const fr: Translation<typeof en> = {
  'core.serverConnection': 'Connexion au serveur',
  'core.notice': 'Information',
  'core.language': 'Langue',
  'core.languageName': 'Français',

  'core.setupHeading': 'Démarrer un appel',
  'core.yourName': 'Votre nom',
  'core.namePlaceholder': 'Le nom que les autres verront',
  'core.mode': 'Mode',
  'core.modeHost': 'Héberger',
  'core.modeJoin': 'Rejoindre',
  'core.hostUnavailable':
    'Pour héberger un appel, il faut l’application de bureau Appel. Dans un navigateur, vous ' +
    'rejoignez le serveur qui a fourni cette page.',
  'core.forwardPort':
    'Demander à ma box d’ouvrir un port pour que des invités sur Internet puissent me ' +
    'rejoindre (UPnP / NAT-PMP). Il se referme quand vous partez.',
  'core.hostButton': 'Héberger un appel',
  'core.inviteOrAddress': 'Invitation ou adresse du serveur',
  'core.invitePlaceholder': 'https://192.168.1.20:8443/#room=…&key=…&fp=AB:CD:…',
  'core.fingerprintLabel': 'Empreinte du certificat (facultatif)',
  'core.fingerprintPlaceholder': 'SHA-256, AB:CD:…',
  'core.joinButton': 'Rejoindre',
  'core.nameEmpty': 'Saisissez le nom que les autres verront.',
  'core.nameTooLong': 'Le nom dépasse {max}\u00a0caractères.',
  'core.nameForbidden':
    'Le nom contient des caractères de contrôle ou de direction\u202f; utilisez des lettres, ' +
    'des chiffres, des signes.',
  'core.fingerprintInvalid':
    'L’empreinte du certificat doit compter 32\u00a0octets en hexadécimal (SHA-256).',
  'core.hostFailed': 'Impossible d’héberger un appel\u00a0: {reason}',
  'core.joinFailed': 'Impossible de rejoindre\u00a0: {reason}',
  'core.unknownCertificate': 'Certificat inconnu',
  'core.unknownCertificateText':
    'Ce serveur présente le certificat SHA-256 {fingerprint} ({subject}, valable jusqu’au ' +
    '{validTo}). Comparez-le avec celui de l’hôte. Lui faire confiance\u202f?',
  'core.certificateChanged': 'Certificat modifié',
  'core.certificateChangedText':
    'Ce serveur ne présente plus le certificat que vous aviez approuvé ({detail}). Remplacer ' +
    'le certificat épinglé et rejoindre\u202f?',
  'core.trustAndJoin': 'Faire confiance et rejoindre',
  'core.cancel': 'Annuler',
  'core.notTrusted': 'Vous n’avez pas rejoint\u00a0: le certificat n’a pas été approuvé.',

  'core.callRegion': 'Appel',
  'core.inviteHeading': 'Invitation',
  'core.inviteToShare': 'Invitation à partager',
  'core.copyInvite': 'Copier l’invitation',
  'core.newInvite': 'Nouvelle invitation',
  'core.inviteHint':
    'Toute personne qui détient cette invitation peut rejoindre votre salle. «\u00a0Nouvelle ' +
    'invitation\u00a0» empêche l’ancienne de laisser entrer qui que ce soit d’autre.',
  'core.addresses': 'Adresses',
  'core.certificateSha256': 'SHA-256 du certificat',
  'core.copiedInvite': 'Invitation copiée.',
  'core.copyInviteFailed': 'Impossible de copier l’invitation\u00a0: {reason}',
  'core.newInviteReady':
    'Nouvelle invitation prête\u00a0: l’ancienne ne laisse plus entrer personne.',
  'core.newInviteFailed': 'Impossible de créer une nouvelle invitation\u00a0: {reason}',
  'core.youAre': 'Vous êtes',
  'core.peopleHeading': 'Personnes dans cette salle',
  'core.noPeers': 'Personne d’autre n’est encore là.',
  'core.someone': 'Quelqu’un',
  'core.callButton': 'Appeler',
  'core.callPerson': 'Appeler {name}',
  'core.leave': 'Quitter',
  'core.leaveFailed': 'Impossible de quitter proprement\u00a0: {reason}',

  'core.phaseIdle': 'Non connecté',
  'core.phaseConnecting': 'Connexion au serveur…',
  'core.phaseConnected': 'Connecté au serveur',
  'core.phaseReconnecting': 'Connexion perdue, nouvel essai…',
  'core.phaseClosed': 'Déconnecté',
  'core.disconnectedFromServer': 'Déconnecté du serveur\u00a0: {detail}',

  'core.callStatus': 'État de l’appel',
  'core.callIdle': 'Aucun appel',
  'core.callCalling': 'Vous appelez {name}…',
  'core.callRinging': 'Ça sonne chez {name}…',
  'core.callIncoming': '{name} vous appelle',
  'core.callConnecting': 'Connexion… (appel avec {name})',
  'core.callInCall': 'En appel avec {name}',
  'core.callReconnecting': 'Connexion perdue, reconnexion… (appel avec {name})',
  'core.callEnded': 'Appel terminé.',
  'core.callEndedWhy': 'Appel terminé. {detail}',
  'core.callFailed': 'Échec de l’appel\u00a0: {detail}',
  'core.unknownError': 'erreur inconnue',
  'core.endYouHungUp': 'Vous avez raccroché.',
  'core.endYouDeclined': 'Vous avez refusé l’appel de {name}.',
  'core.endMissed': 'Appel manqué de {name}.',
  'core.endMissedTheyLeft': 'Appel manqué de {name} (parti entre-temps).',
  'core.endTheyLeft': '{name} est parti.',
  'core.endDeclined': '{name} a refusé l’appel.',
  'core.endBusy': '{name} est déjà en appel.',
  'core.endNoAnswer': '{name} n’a pas répondu.',
  'core.endHungUp': '{name} a raccroché.',
  'core.endConnectTimeout':
    'Impossible de joindre {name} en moins de {seconds}\u00a0s (un pare-feu ou un NAT bloque ' +
    'peut-être la connexion directe).',
  'core.endConnectionLost':
    'La connexion avec {name} a été perdue et n’est pas revenue en moins de {seconds}\u00a0s.',
  'core.ringText': '{name} vous appelle.',
  'core.accept': 'Accepter',
  'core.decline': 'Refuser',
  'core.remoteVideo': 'Vidéo de votre correspondant',
  'core.them': 'Correspondant',
  'core.yourCamera': 'Votre caméra',
  'core.you': 'Vous',
  'core.mute': 'Couper le micro',
  'core.cameraOff': 'Couper la caméra',
  'core.callSound': 'Activer le son de l’appel',
  'core.hangUp': 'Raccrocher',
  'core.mediaStatus': 'Caméra et micro',
  'core.mediaUntilCall':
    'Votre caméra et votre micro restent éteints tant que vous n’appelez pas ou n’acceptez ' +
    'pas un appel.',
  'core.mediaOff': 'Caméra et micro éteints.',
  'core.mediaOn': 'Caméra et micro allumés.',
  'core.playFailed': 'Impossible de lire la vidéo de votre correspondant\u00a0: {reason}',
  'core.switchAudioFailed': 'Impossible de changer de micro\u00a0: {reason}',
  'core.switchVideoFailed': 'Impossible de changer de caméra\u00a0: {reason}',

  'core.keyAlt': 'Alt',
  'core.keyShift': 'Maj',
  'core.muteTip': 'Couper ou rétablir le micro ({keys})',
  'core.cameraTip': 'Couper ou rallumer la caméra ({keys})',
  'core.shareTip': 'Partager votre écran ou arrêter le partage ({keys})',
  'core.hangUpTip': 'Raccrocher ({keys}, deux fois)',
  'core.microphoneMuted': 'Micro coupé.',
  'core.microphoneOn': 'Micro rétabli.',
  'core.cameraIsOff': 'Caméra coupée.',
  'core.cameraIsOn': 'Caméra rallumée.',
  'core.noMicrophone': 'Pas de micro dans cet appel.',
  'core.noCamera': 'Pas de caméra dans cet appel.',
  'core.shareUnavailable': 'Le partage d’écran n’est pas disponible pour le moment.',
  'core.hangUpAgain': 'Appuyez de nouveau sur {keys} pour raccrocher.',
  'core.noCallToHangUp': 'Aucun appel à raccrocher.',

  'core.connectionHeading': 'Connexion',
  'core.relayOnly': 'Relais uniquement (masquer mon adresse)',
  'core.relayOnlyHint':
    'Les appels passent alors uniquement par un relais TURN\u00a0: les personnes que vous ' +
    'appelez ne connaissent jamais votre adresse IP. Il faut un serveur TURN\u00a0: le vôtre, ' +
    'ci-dessous, ou celui que fournit le serveur de signalisation.',
  'core.relayOnlyStatus': 'Relais uniquement',
  'core.relayOnlyOn':
    'Relais uniquement\u00a0: les appels passent par un serveur TURN, votre correspondant ne voit ' +
    'jamais votre adresse.',
  'core.relayOnlyNoTurn':
    'Le relais uniquement est activé, mais aucun serveur TURN n’est connu\u00a0: les appels ne ' +
    'peuvent pas aboutir. Ajoutez un serveur TURN ci-dessous, ou rejoignez un serveur de ' +
    'signalisation qui en fournit un.',
  'core.ownServers': 'Vos serveurs STUN et TURN',
  'core.ownServersHint':
    'Utilisés avec ceux que fournit le serveur de signalisation. Appel n’utilise aucun serveur ' +
    'à lui ni à personne d’autre\u00a0: seulement ceux listés ici et ceux du serveur de ' +
    'signalisation.',
  'core.serverSettingsError': 'Erreur dans les serveurs',
  'core.addServer': 'Ajouter un serveur',
  'core.saveServers': 'Enregistrer les serveurs',
  'core.savedServers': 'Serveurs enregistrés',
  'core.serverProvidesNone': 'Le serveur de signalisation ne fournit aucun serveur STUN ou TURN.',
  'core.serverProvides': 'Le serveur de signalisation fournit\u00a0: {urls}.',
  'core.iceServer': 'Serveur {n}',
  'core.iceRemove': 'Retirer le serveur {n}',
  'core.iceFieldLabel': '{field} (serveur {n})',
  'core.iceUrls': 'URL',
  'core.iceUsername': 'nom d’utilisateur',
  'core.iceCredential': 'mot de passe',
  'core.iceUrlPlaceholder': 'turn:turn.example.com:3478?transport=udp',
  'core.iceFieldProblem': 'Serveur {n}, {field}\u00a0: {problem}',
  'core.iceServerProblem': 'Serveur {n}\u00a0: {problem}',
  'core.iceNeedUrl': 'saisissez une URL stun:, turn: ou turns:.',
  'core.iceTooManyUrls': 'trop d’URL (16\u00a0au plus).',
  'core.iceBadUrl':
    '«\u00a0{url}\u00a0» n’est pas une URL STUN ou TURN ' +
    '(par exemple stun:stun.example.com:3478 ou turn:turn.example.com:3478?transport=udp).',
  'core.iceTooLong': '512\u00a0caractères au plus.',
  'core.iceNeedUsername': 'un serveur TURN demande un nom d’utilisateur.',
  'core.iceNeedCredential': 'un serveur TURN demande un mot de passe.',
  'core.iceBrowserRefuses': 'ce navigateur le refuse ({detail}).',
  'core.iceTooManyServers': '16\u00a0serveurs au plus.',
  'core.iceSavedNone': 'Enregistré\u00a0: aucun serveur à vous.',
  'core.iceSavedOne': '{count}\u00a0serveur enregistré.',
  'core.iceSavedMany': '{count}\u00a0serveurs enregistrés.',

  'core.joinUnauthorized':
    'Le serveur ne vous a pas laissé entrer\u00a0: cette invitation est fausse ou a été ' +
    'remplacée par une nouvelle, ou le serveur n’admet que les invités. Demandez une nouvelle ' +
    'invitation à l’hôte. ({detail})',
  'core.joinRateLimited':
    'Trop de tentatives avec une mauvaise invitation depuis votre adresse. ({detail})',
  'core.joinForbidden': 'Le serveur a refusé cette page ({detail})',
  'core.errorInvalidPayload': 'Demande refusée par le serveur car mal formée ({detail})',
  'core.errorUnknownPeer': 'Cette personne n’est plus connectée ({detail})',
  'core.errorTooLarge': 'Message trop volumineux pour le serveur ({detail})',
  'core.errorRateLimited': 'Trop de demandes\u00a0; patientez un peu avant de réessayer ({detail})',
  'core.errorForbidden': 'Le serveur refuse cette action ({detail})',
  'core.errorUnauthorized': 'Le serveur ne vous a pas laissé entrer ({detail})',
  'core.errorServerFull': 'Le serveur est complet ({detail})',
  'core.errorTooManyConnections': 'Trop de connexions depuis votre adresse ({detail})',
  'core.errorRoomFull': 'La salle est complète ({detail})',
  'core.errorGoingAway': 'Le serveur redémarre ou s’arrête ({detail})',
  'core.errorInternal': 'Erreur interne du serveur ({detail})',
  'core.errorFingerprintRequired':
    'Le certificat de ce serveur est inconnu\u00a0: comparez-le avec celui de l’hôte ({detail})',
  'core.errorFingerprintChanged':
    'Le certificat de ce serveur a changé depuis que vous l’avez approuvé\u00a0; connexion ' +
    'refusée ({detail})',
  'core.errorTimeout': 'Le serveur n’a pas répondu à temps ({detail})',
  'core.errorDisconnected': 'Pas de connexion au serveur de signalisation ({detail})',
  'core.errorUnsupported': 'Non disponible ici ({detail})',
  'core.errorDisk': 'Le disque a refusé le fichier ({detail})',

  'core.unexpectedError': 'Erreur inattendue\u00a0: {message}',
  'core.startFailed': 'Appel n’a pas pu démarrer\u00a0: {message}',
};
