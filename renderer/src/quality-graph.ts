/**
 * The last minute of the call on a canvas: sent and received bitrate in the upper band, round
 * trip in the lower one, newest on the right. Drawn only when asked (once per sample, and only
 * while the panel is open), at the screen's pixel density; colours come from CSS so that themes
 * and forced colours apply.
 */

/** One second of the call; `null` where nothing was measured. */
export interface GraphPoint {
  sent: number | null;
  received: number | null;
  rtt: number | null;
}

/** One minute at one sample a second. */
export const GRAPH_POINTS = 60;

/** How the scale labels write a bitrate and a round trip. */
export interface GraphFormat {
  bitrate(bitsPerSecond: number): string;
  rtt(ms: number): string;
}

/** The smallest tops of the scales, so that a quiet line does not fill the band. */
const MIN_TOP = { bitrate: 100_000, rtt: 50 };
/** The bitrate band's share of the height. */
const BITRATE_BAND = 0.64;

/** The nearest 1, 2 or 5 × 10ⁿ at or above `value`: a scale top people read at a glance. */
export function niceTop(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((m) => m * power >= value) ?? 10;
  return step * power;
}

export class QualityGraph {
  private points: GraphPoint[] = [];

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly format: GraphFormat,
  ) {}

  get latest(): GraphPoint | undefined {
    return this.points.at(-1);
  }

  push(point: GraphPoint): void {
    this.points.push(point);
    if (this.points.length > GRAPH_POINTS) this.points.shift();
  }

  /** Forgets the call, so that nothing of it stays after hang-up; {@link draw} empties the canvas. */
  clear(): void {
    this.points = [];
  }

  draw(): void {
    const context = this.canvas.getContext('2d');
    const { width, height } = this.canvas.getBoundingClientRect();
    // A closed panel has no box: it is drawn when it opens.
    if (!context || width === 0 || height === 0) return;
    const ratio = window.devicePixelRatio || 1;
    const [pixelsWide, pixelsHigh] = [Math.round(width * ratio), Math.round(height * ratio)];
    if (this.canvas.width !== pixelsWide || this.canvas.height !== pixelsHigh) {
      this.canvas.width = pixelsWide;
      this.canvas.height = pixelsHigh;
    }
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);
    if (this.points.length === 0) return;

    const style = getComputedStyle(this.canvas);
    const colour = (name: string): string => style.getPropertyValue(name).trim() || style.color;
    const split = Math.round(height * BITRATE_BAND);

    context.strokeStyle = colour('--quality-grid');
    context.lineWidth = 1;
    context.setLineDash([]);
    context.beginPath();
    context.moveTo(0, split + 0.5);
    context.lineTo(width, split + 0.5);
    context.stroke();

    const bitrates = this.points.flatMap((p) => [p.sent ?? 0, p.received ?? 0]);
    const bitrateTop = niceTop(Math.max(MIN_TOP.bitrate, ...bitrates));
    const rttTop = niceTop(Math.max(MIN_TOP.rtt, ...this.points.map((p) => p.rtt ?? 0)));
    const band = { top: 14, bottom: split - 2 };
    const lower = { top: split + 14, bottom: height - 2 };
    // Dashes tell the lines apart without colour.
    this.line(context, width, (p) => p.sent, bitrateTop, band, colour('--quality-sent'), []);
    this.line(
      context,
      width,
      (p) => p.received,
      bitrateTop,
      band,
      colour('--quality-received'),
      [5, 3],
    );
    this.line(context, width, (p) => p.rtt, rttTop, lower, colour('--quality-rtt'), [2, 2]);

    context.fillStyle = colour('--quality-label');
    context.font = `11px ${style.fontFamily}`;
    context.textBaseline = 'top';
    context.fillText(this.format.bitrate(bitrateTop), 3, 2);
    context.fillText(this.format.rtt(rttTop), 3, split + 2);
  }

  private line(
    context: CanvasRenderingContext2D,
    width: number,
    value: (point: GraphPoint) => number | null,
    top: number,
    band: { top: number; bottom: number },
    colour: string,
    dash: number[],
  ): void {
    const step = width / (GRAPH_POINTS - 1);
    // The newest point sits at the right edge; older ones move left.
    const offset = GRAPH_POINTS - this.points.length;
    context.strokeStyle = colour;
    context.lineWidth = 2;
    context.setLineDash(dash);
    context.beginPath();
    let drawing = false;
    this.points.forEach((point, index) => {
      const v = value(point);
      if (v === null) {
        drawing = false;
        return;
      }
      const x = (offset + index) * step;
      const y = band.bottom - (Math.min(v, top) / top) * (band.bottom - band.top);
      if (drawing) context.lineTo(x, y);
      else context.moveTo(x, y);
      drawing = true;
    });
    context.stroke();
  }
}
