/**
 * Figures in words: a value in its unit (ns as µs or ms, bytes as KiB or
 * MiB), a verdict's margin in one line, a reason cut to its first sentence.
 * Shared by the HTML report and the console ledger, so both say the same.
 */
import { describeMargin } from '../core/claims.ts';
import type { ClaimVerdict, Margin, Verdict } from '../core/results.ts';

/** Fixed colours of the verdicts: badges, dots and history points alike. */
export const VERDICT_COLOURS: Record<Verdict, string> = {
  confirmed: '#2e7d32',
  refuted: '#c62828',
  inconclusive: '#ef6c00',
  'not-run': '#757575',
};

/** A number with a few significant digits, and thousands separators once it is large. */
function significant(value: number, digits = 3): string {
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return String(Number(value.toPrecision(digits)));
}

/** Whether a figure read from a result file is a number (JSON writes NaN and infinities as null). */
export function isFigure(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A value in its unit, scaled to read well: `412 µs`, `1.2 ms`, `70 KiB`, `7,500x`, `9,000 req/s`. */
export function formatFigure(value: number | null | undefined, unit: string): string {
  if (!isFigure(value)) return '-';
  const magnitude = Math.abs(value);
  switch (unit) {
    case 'ns':
      if (magnitude >= 1e9) return `${significant(value / 1e9)} s`;
      if (magnitude >= 1e6) return `${significant(value / 1e6)} ms`;
      if (magnitude >= 1e3) return `${significant(value / 1e3)} µs`;
      return `${significant(value)} ns`;
    case 'bytes':
      if (magnitude >= 2 ** 30) return `${significant(value / 2 ** 30)} GiB`;
      if (magnitude >= 2 ** 20) return `${significant(value / 2 ** 20)} MiB`;
      if (magnitude >= 2 ** 10) return `${significant(value / 2 ** 10)} KiB`;
      return `${significant(value)} B`;
    case 'ratio':
      return `${significant(value)}x`;
    case 'req/s':
      return `${significant(value)} req/s`;
    case 'apps':
      return `${significant(value)} apps`;
    default:
      return `${significant(value, 4)} ${unit}`;
  }
}

/** The side of the threshold that confirms: `< 1 ms`, `≥ 100x`, `within 10 apps-100 apps`. */
export function thresholdText(margin: Margin): string {
  const at = (value: number | undefined): string => formatFigure(value, margin.unit);
  if (margin.confirmsWhen === 'below') return `< ${at(margin.threshold)}`;
  if (margin.confirmsWhen === 'at-least') return `≥ ${at(margin.threshold)}`;
  return `within ${at(margin.threshold)}–${isFigure(margin.thresholdHigh) ? at(margin.thresholdHigh) : '∞'}`;
}

/** The interval of a margin: `95% CI 324 µs–414 µs`, or `no interval`. */
export function intervalText(margin: Margin, short = false): string {
  if (!isFigure(margin.low) || !isFigure(margin.high)) return 'no interval';
  const how = short && margin.interval.startsWith('95% CI') ? '95% CI' : margin.interval;
  return `${how} ${formatFigure(margin.low, margin.unit)}–${formatFigure(margin.high, margin.unit)}`;
}

/** A margin in one line, in the words of core/claims.ts: figure, value, interval, n, threshold. */
export function marginLine(margin: Margin): string {
  return describeMargin(margin, (value) => formatFigure(value, margin.unit));
}

/** The first sentence of a text, cut to `max` characters (with an ellipsis) when longer. */
export function firstSentence(text: string, max = 140): string {
  const end = text.search(/[.!?](\s|$)/);
  const sentence = end >= 0 ? text.slice(0, end + 1) : text;
  return sentence.length > max ? `${sentence.slice(0, max - 1).trimEnd()}…` : sentence;
}

/**
 * A verdict in one sentence: the judged cell and its deciding figure with
 * interval, n and threshold; a verdict without a figure (categorical claims,
 * not-run) gives the first sentence of its reason. `short` leaves the judged
 * cell out and cuts the figure's name (the headline; the ledger has both).
 */
export function verdictSentence(verdict: ClaimVerdict, { short = false, max = 160 } = {}): string {
  const margin = verdict.margin;
  if (margin && isFigure(margin.value)) {
    const judged = !short && verdict.judged && verdict.judged !== '-' ? `${verdict.judged}: ` : '';
    const figure = short && margin.figure.length > 44 ? `${margin.figure.slice(0, 43).trimEnd()}…` : margin.figure;
    return `${judged}${figure} ${formatFigure(margin.value, margin.unit)} (${intervalText(margin, true)}, n=${margin.n}) vs ${thresholdText(margin)}.`;
  }
  return firstSentence(verdict.reason, short ? 90 : max);
}
