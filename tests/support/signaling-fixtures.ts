/**
 * Real-looking WebRTC signaling payloads (as Chromium produces them) for tests and benchmarks.
 * `seq` is written into each one so a receiver can match what it got to what was sent.
 */
import type { IceCandidate, SessionDescription } from '../../common/protocol.js';

/** A trimmed audio+video+data offer from Chromium; `seq` goes into the session id. */
export function sampleSdp(seq = 0): string {
  return [
    'v=0',
    `o=- ${4611731400430051336n + BigInt(seq)} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0 1 2',
    'a=extmap-allow-mixed',
    'a=msid-semantic: WMS 6a1b7d2e-2c1b-4a55-9e0f-3f1c0d9e8a77',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    'a=ice-ufrag:Xk4F',
    'a=ice-pwd:r0Cp3pQbXkFhJ2m9Jb5d6aQe',
    'a=ice-options:trickle',
    'a=fingerprint:sha-256 6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CC:87:32:BE:DD:8C:66:A5:8E:50:55:EA:8C:D3:B6:5C:09:5E:79:F2',
    'a=setup:actpass',
    'a=mid:0',
    'a=sendrecv',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'm=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103',
    'c=IN IP4 0.0.0.0',
    'a=mid:1',
    'a=sendrecv',
    'a=rtcp-mux',
    'a=rtcp-rsize',
    'a=rtpmap:96 VP8/90000',
    'a=rtcp-fb:96 nack pli',
    'a=rtpmap:97 rtx/90000',
    'a=fmtp:97 apt=96',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    'a=mid:2',
    'a=sctp-port:5000',
    'a=max-message-size:262144',
    '',
  ].join('\r\n');
}

export function sampleOffer(seq = 0): SessionDescription<'offer'> {
  return { type: 'offer', sdp: sampleSdp(seq) };
}

export function sampleAnswer(seq = 0): SessionDescription<'answer'> {
  return { type: 'answer', sdp: sampleSdp(seq) };
}

/** A host UDP candidate on loopback; `seq` is its foundation, so each one is distinct. */
export function sampleCandidate(seq = 0): IceCandidate {
  return {
    candidate: `candidate:${seq} 1 udp 2122260223 127.0.0.1 ${50000 + (seq % 10000)} typ host generation 0 ufrag Xk4F network-id 1`,
    sdpMid: '0',
    sdpMLineIndex: 0,
    usernameFragment: 'Xk4F',
  };
}

/** Reads back the `seq` of {@link sampleSdp} / {@link sampleCandidate}. */
export function seqOfSdp(sdp: string): number {
  const match = /^o=- (\d+) /m.exec(sdp);
  if (!match?.[1]) throw new Error('not a sample SDP');
  return Number(BigInt(match[1]) - 4611731400430051336n);
}

export function seqOfCandidate(candidate: IceCandidate): number {
  const match = /^candidate:(\d+) /.exec(candidate.candidate);
  if (!match?.[1]) throw new Error('not a sample candidate');
  return Number(match[1]);
}
