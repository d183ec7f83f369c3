import { describe, expect, it } from 'vitest';
import { identifiabilityVerdict, overallVerdict } from './identifiability-verdict.js';

const base = {
  identity: 0.9,
  optimal: 0.92,
  randomMean: 0.01,
  randomStd: 0.02,
  fixedPointFraction: 0.95,
};

describe('identifiabilityVerdict', () => {
  it('identifiable needs identity ≥ 0.95·optimal and fixedPointFraction ≥ 0.9', () => {
    expect(identifiabilityVerdict(base)).toBe('identifiable');
    expect(identifiabilityVerdict({ ...base, identity: 0.95 * 0.92 })).toBe('identifiable');
    expect(identifiabilityVerdict({ ...base, identity: 0.95 * 0.92 - 1e-9 })).toBe('partial');
    expect(identifiabilityVerdict({ ...base, fixedPointFraction: 0.9 })).toBe('identifiable');
    expect(identifiabilityVerdict({ ...base, fixedPointFraction: 0.89 })).toBe('partial');
  });

  it('not-identifiable when identity ≤ randomMean + 3·randomStd', () => {
    expect(identifiabilityVerdict({ ...base, identity: 0.0699 })).toBe('not-identifiable');
    expect(identifiabilityVerdict({ ...base, identity: 0.0701 })).toBe('partial');
    expect(identifiabilityVerdict({ ...base, identity: 0.0701 }, { randomSigmas: 4 })).toBe(
      'not-identifiable',
    );
  });

  it('rejects non-finite inputs', () => {
    expect(() => identifiabilityVerdict({ ...base, optimal: NaN })).toThrow(
      /optimal must be finite/,
    );
  });

  it('overall verdict: mergeable only if every layer is identifiable, with thresholds stated', () => {
    const ok = overallVerdict([
      { layer: 'lins.0', verdict: 'identifiable' },
      { layer: 'lins.1', verdict: 'identifiable' },
    ]);
    expect(ok.mergeableWithoutAlignment).toBe(true);
    expect(ok.verdict).toMatch(
      /^neurons identifiable .*plain averaging should work.*0\.95·optimal/,
    );
    const bad = overallVerdict([
      { layer: 'lins.0', verdict: 'identifiable' },
      { layer: 'lins.1', verdict: 'not-identifiable' },
    ]);
    expect(bad.mergeableWithoutAlignment).toBe(false);
    expect(bad.verdict).toMatch(/^not identifiable \(lins\.1\): align first/);
    expect(overallVerdict([{ layer: 'lins.0', verdict: 'partial' }]).verdict).toMatch(
      /^partially identifiable/,
    );
    expect(overallVerdict([]).mergeableWithoutAlignment).toBe(false);
  });
});
