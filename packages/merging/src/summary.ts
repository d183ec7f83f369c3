import { InvalidArgumentError } from '@nidkit/core';
import type { AlignmentMode } from './align.js';
import type { BarrierReport } from './barriers.js';
import type { LmcReport } from './protocol.js';
import { MERGING_SCHEMA_VERSION } from './schema.js';

/** Mean and sample standard deviation (n − 1; 0 for a single value) over pairs. */
export interface MeanStd {
  readonly mean: number;
  readonly std: number;
}

/** One split of one mode, aggregated over pairs. */
export interface SplitSummary {
  /** Per λ: mean and std of the loss over pairs. */
  readonly meanLoss: number[];
  readonly stdLoss: number[];
  /** Per λ: mean and std of the accuracy (%) over pairs; null for regression. */
  readonly meanAccuracy: number[] | null;
  readonly stdAccuracy: number[] | null;
  /** Every numeric barrier of merging.md §4, averaged over the pairs that have it (null if none). */
  readonly barriers: Record<string, MeanStd | null>;
  /** Fraction of pairs whose path is linear (reference flag); null for regression. */
  readonly linearFraction: number | null;
}

/** One alignment mode aggregated over pairs. */
export interface ModeSummary {
  readonly numPairs: number;
  readonly lambdas: number[];
  readonly splits: Record<string, SplitSummary>;
  readonly distance: MeanStd;
  readonly normalizedDistance: MeanStd;
}

/** The summary of several pairs' LMC reports (plain JSON): the paper's mean curves per mode. */
export interface LmcSummary {
  readonly schemaVersion: number;
  readonly kind: 'lmc-summary';
  readonly numPairs: number;
  /** Families of the pairs (one entry per distinct family). */
  readonly families: string[];
  readonly modes: Partial<Record<AlignmentMode, ModeSummary>>;
}

function meanStd(values: readonly number[]): MeanStd {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const ss = values.reduce((s, v) => s + (v - mean) ** 2, 0);
  return { mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0 };
}

function perLambda(curves: readonly (readonly number[])[]): { mean: number[]; std: number[] } {
  const stats = curves[0]!.map((_, t) => meanStd(curves.map((c) => c[t]!)));
  return { mean: stats.map((s) => s.mean), std: stats.map((s) => s.std) };
}

const BARRIER_KEYS: readonly (keyof BarrierReport)[] = [
  'lossBarrier',
  'midpointLossBarrier',
  'accuracyBarrierPp',
  'midpointAccuracyBarrierPp',
  'accuracyDropPp',
  'relativeAccuracyDropPct',
  'peakBarrier',
  'midpointBarrier',
];

/**
 * Aggregates the LMC reports of several pairs of one run (merging.md §9: the paper pairs models
 * (1,2), (3,4), … and plots the mean **train accuracy** over pairs vs λ, one curve per family):
 * per alignment mode and split, the mean and sample std (n − 1) of loss and accuracy at each λ,
 * of every barrier, and of the weight distances.
 *
 * @param reports - one {@link LmcReport} per pair; each mode must use the same λ grid everywhere
 * @returns the {@link LmcSummary} (plain JSON with `schemaVersion`)
 * @throws InvalidArgumentError for an empty list or λ grids / splits that differ between pairs
 */
export function summarizeLmcReports(reports: readonly LmcReport[]): LmcSummary {
  const where = 'summarizeLmcReports';
  if (reports.length === 0)
    throw new InvalidArgumentError(`${where}: no reports — expected at least 1 LMC report, got 0`);
  const byMode = new Map<AlignmentMode, LmcReport['records']>();
  for (const r of reports) {
    for (const rec of r.records) {
      const list = byMode.get(rec.alignment) ?? [];
      list.push(rec);
      byMode.set(rec.alignment, list);
    }
  }
  const modes: Partial<Record<AlignmentMode, ModeSummary>> = {};
  for (const [mode, records] of byMode) {
    const first = records[0]!;
    const splitNames = Object.keys(first.splits);
    records.forEach((rec, k) => {
      if (
        rec.lambdas.length !== first.lambdas.length ||
        rec.lambdas.some((l, i) => l !== first.lambdas[i])
      ) {
        throw new InvalidArgumentError(
          `${where}: mode ${mode}: pair ${k} uses another λ grid — expected ${first.lambdas.length} points [${first.lambdas[0]}, …, ${first.lambdas.at(-1)}], got ${rec.lambdas.length} points`,
        );
      }
      const names = Object.keys(rec.splits);
      if (names.join() !== splitNames.join()) {
        throw new InvalidArgumentError(
          `${where}: mode ${mode}: pair ${k} has other splits — expected ${splitNames.join(', ')}, got ${names.join(', ')}`,
        );
      }
    });
    const splits: Record<string, SplitSummary> = {};
    for (const name of splitNames) {
      const curves = records.map((r) => r.splits[name]!);
      const loss = perLambda(curves.map((c) => c.loss));
      const hasAcc = curves.every((c) => c.accuracy !== null);
      const acc = hasAcc ? perLambda(curves.map((c) => c.accuracy!)) : null;
      const barriers: Record<string, MeanStd | null> = {};
      for (const key of BARRIER_KEYS) {
        const values = curves
          .map((c) => c.barriers?.[key])
          .filter((v): v is number => typeof v === 'number');
        barriers[key] = values.length > 0 ? meanStd(values) : null;
      }
      const flags = curves
        .map((c) => c.barriers?.linearity)
        .filter((v): v is boolean => typeof v === 'boolean');
      splits[name] = {
        meanLoss: loss.mean,
        stdLoss: loss.std,
        meanAccuracy: acc ? acc.mean : null,
        stdAccuracy: acc ? acc.std : null,
        barriers,
        linearFraction: flags.length > 0 ? flags.filter(Boolean).length / flags.length : null,
      };
    }
    modes[mode] = {
      numPairs: records.length,
      lambdas: [...first.lambdas],
      splits,
      distance: meanStd(records.map((r) => r.distance)),
      normalizedDistance: meanStd(records.map((r) => r.normalizedDistance)),
    };
  }
  return {
    schemaVersion: MERGING_SCHEMA_VERSION,
    kind: 'lmc-summary',
    numPairs: reports.length,
    families: [...new Set(reports.map((r) => r.family))],
    modes,
  };
}
