/**
 * One protocol measured N times becomes one ProtocolResult: every figure is the median of the
 * repetitions' figures, the HDR histograms are merged (exact), the drops and the storm of every
 * repetition are kept on the run's clock, and the repetitions themselves are kept in
 * `repetitions` so a comparison can read the spread. The shape is written down in
 * docs/results.md ("Repetitions").
 */
import { addEncoded, createHistogram, encodeHistogram } from './histogram.js';
import type { EncodedHistograms, ProtocolResult, RepetitionResult } from './types.js';

/** Lists whose repetitions are joined (each entry once) instead of taken from the first repetition. */
const JOINED_LISTS = new Set(['errors', 'generator.reasons']);
/** Lists on the run's clock (`t`): every repetition's entries, in time order, for the timelines. */
const TIMED_LISTS = new Set(['reconnect.events', 'reconnect.storm']);

/** Combines the repetitions of one protocol, in the order they ran. Throws on an empty list or mixed protocols. */
export function combineRepetitions(repetitions: readonly RepetitionResult[]): ProtocolResult {
  const plain = repetitions.map(withoutRepetitions);
  const first = plain[0];
  if (first === undefined) throw new Error('combineRepetitions needs at least one repetition');
  const protocols = new Set(plain.map((repetition) => repetition.protocol));
  if (protocols.size > 1) throw new Error(`combineRepetitions got repetitions of several protocols: ${[...protocols].join(', ')}`);
  if (plain.length === 1) return { ...first };
  const combined = combineValues(plain, '') as RepetitionResult;
  return { ...combined, histograms: mergeHistograms(plain.map((repetition) => repetition.histograms)), repetitions: plain };
}

/** The median: the middle value, or the mean of the two middle ones (rounded when every value is whole). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[middle]!;
  const mean = (sorted[middle - 1]! + sorted[middle]!) / 2;
  return values.every(Number.isInteger) ? Math.round(mean) : mean;
}

function withoutRepetitions(result: RepetitionResult | ProtocolResult): RepetitionResult {
  if (!('repetitions' in result)) return result;
  const { repetitions: _nested, ...rest } = result;
  return rest;
}

/** Walks the first repetition's shape; each leaf is combined across every repetition at the same path. */
function combineValues(values: readonly unknown[], path: string): unknown {
  const present = values.filter((value) => value !== null && value !== undefined);
  const sample = present[0];
  if (sample === undefined) return values[0] ?? null;
  if (typeof sample === 'number') {
    const numbers = present.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
    return numbers.length === 0 ? sample : median(numbers);
  }
  if (typeof sample === 'boolean') return present.some((value) => value === true);
  if (Array.isArray(sample)) {
    if (TIMED_LISTS.has(path)) {
      return present.flatMap((value) => (Array.isArray(value) ? (value as Array<{ t: number }>) : [])).sort((x, y) => x.t - y.t);
    }
    if (!JOINED_LISTS.has(path)) return sample;
    return [...new Set(present.flatMap((value) => (Array.isArray(value) ? (value as unknown[]) : [])))];
  }
  if (typeof sample === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(sample)) {
      out[key] = combineValues(
        values.map((value) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined)),
        path === '' ? key : `${path}.${key}`,
      );
    }
    return out;
  }
  return sample;
}

/** Each histogram of every repetition added into one (the same layout: bench/histogram.ts). */
function mergeHistograms(all: readonly EncodedHistograms[]): EncodedHistograms {
  const keys = new Set(all.flatMap((histograms) => Object.keys(histograms))) as Set<keyof EncodedHistograms>;
  const merged: Record<string, string> = {};
  for (const key of keys) {
    const encoded = all.map((histograms) => histograms[key]).filter((value): value is string => typeof value === 'string' && value !== '');
    if (encoded.length === 0) {
      merged[key] = '';
      continue;
    }
    const histogram = createHistogram();
    try {
      for (const part of encoded) addEncoded(histogram, part);
      merged[key] = encodeHistogram(histogram);
    } finally {
      histogram.destroy();
    }
  }
  return merged as unknown as EncodedHistograms;
}
