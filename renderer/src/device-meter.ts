/**
 * A live microphone level on a <meter>: an AnalyserNode reads the track's loudness ten times a
 * second (enough to see speech, cheap on a busy machine), with a short decay so that peaks stay
 * visible.
 */

/** How often the level is read. */
const INTERVAL_MS = 100;
/** Each reading keeps this share of the last one, so a syllable does not flicker out. */
const DECAY = 0.6;
/** Speech sits far below full scale; this brings a normal voice to the meter's middle. */
const GAIN = 4;

export class LevelMeter {
  #context: AudioContext | null = null;
  #source: MediaStreamAudioSourceNode | null = null;
  #analyser: AnalyserNode | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;
  #samples: Float32Array<ArrayBuffer> = new Float32Array(0);

  constructor(readonly element: HTMLMeterElement) {
    element.min = 0;
    element.max = 1;
    element.low = 0.1;
    element.high = 0.9;
    element.optimum = 0.5;
    element.value = 0;
  }

  /** Shows the level of `track`, or nothing for `null`. Call it first from a user's click. */
  show(track: MediaStreamTrack | null): void {
    this.#source?.disconnect();
    this.#source = null;
    this.element.value = 0;
    if (!track) {
      this.#stopReading();
      return;
    }
    const context = (this.#context ??= new AudioContext());
    // A page that has not been clicked yet starts its audio suspended.
    if (context.state === 'suspended') {
      context.resume().catch((error: unknown) => console.warn('appel:meter resume', error));
    }
    const analyser = (this.#analyser ??= new AnalyserNode(context, { fftSize: 1024 }));
    this.#samples = new Float32Array(analyser.fftSize);
    this.#source = context.createMediaStreamSource(new MediaStream([track]));
    this.#source.connect(analyser);
    this.#timer ??= setInterval(() => this.#read(), INTERVAL_MS);
  }

  /** Stops reading and frees the audio context. */
  close(): void {
    this.show(null);
    this.#analyser = null;
    this.#context?.close().catch((error: unknown) => console.warn('appel:meter close', error));
    this.#context = null;
  }

  #read(): void {
    if (!this.#analyser) return;
    this.#analyser.getFloatTimeDomainData(this.#samples);
    let sum = 0;
    for (const sample of this.#samples) sum += sample * sample;
    const rms = Math.sqrt(sum / this.#samples.length);
    this.element.value = Math.min(1, Math.max(rms * GAIN, this.element.value * DECAY));
  }

  #stopReading(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
