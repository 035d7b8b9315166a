import { describe, expect, it } from 'vitest';
import risky from '../../examples/risky-settings.json' with { type: 'json' };
import safe from '../../examples/safe-settings.json' with { type: 'json' };
import { complianceReport, formatBp, RISK_PATTERNS, type RiskPattern } from './compliance.ts';
import { defaultSettings, type Settings, validateSettings } from './settings.ts';

function report(input: Record<string, unknown>) {
  return complianceReport(validateSettings(input));
}

/** The rule paths of the findings of one pattern, in report order. */
function rules(input: Record<string, unknown>, pattern: RiskPattern): string[] {
  return report(input).findings.filter((f) => f.pattern === pattern).map((f) => f.rule);
}

const program = { name: '工会排队', fundingBasis: 'profit', fundingBp: 6000, rewardBp: 10000 };

describe('complianceReport', () => {
  it('finds nothing in the default settings', () => {
    expect(complianceReport(defaultSettings())).toEqual({
      findings: [],
      summary: {
        risks: 0,
        byPattern: { multiLevelCommission: 0, recruitmentReward: 0, recruitmentAcceleration: 0, entitlementAboveFunding: 0, unboundedPayout: 0 },
      },
    });
  });

  it('flags an indirect reward and a level difference deeper than one level as multi-level commission', () => {
    const input = {
      rewards: { maxDepth: 3, indirect: { bp: 300, basis: 'profit' }, teamLevels: { basis: 'profit', levelsBp: { gold: 500 } } },
    };
    expect(rules(input, 'multiLevelCommission')).toEqual(['rewards.indirect', 'rewards.teamLevels']);
    const teamLevels = report(input).findings.find((f) => f.rule === 'rewards.teamLevels');
    expect(teamLevels?.value).toEqual({ maxDepth: 3, basis: 'profit', levelsBp: { gold: 500 } });
    expect(teamLevels?.severity).toBe('high');
  });

  it('does not flag a level difference that reaches only the direct referrer, nor rules that pay nothing', () => {
    expect(rules({ rewards: { maxDepth: 1, teamLevels: { basis: 'paid', levelsBp: { gold: 500 } } } }, 'multiLevelCommission')).toEqual([]);
    expect(rules({ rewards: { maxDepth: 3, indirect: { bp: 0 }, teamLevels: { levelsBp: { gold: 0 } } } }, 'multiLevelCommission')).toEqual([]);
  });

  it('flags a merchant referral reward and a direct reward on the paid amount as recruitment rewards', () => {
    const input = { rewards: { direct: { bp: 1000, basis: 'paid' }, merchant: { bp: 200, basis: 'profit', referrers: { s1: 'm1' } } } };
    expect(rules(input, 'recruitmentReward')).toEqual(['rewards.direct', 'rewards.merchant']);
    expect(report(input).findings[0]?.severity).toBe('medium');
  });

  it('does not flag a direct reward out of the profit', () => {
    expect(rules({ rewards: { direct: { bp: 1000, basis: 'profit' } } }, 'recruitmentReward')).toEqual([]);
  });

  it('flags a pool program that accelerates the referrer as acceleration by recruitment', () => {
    const input = { programs: { union: { ...program, accelerationBp: 1500 }, plain: { ...program, accelerationBp: 0 } } };
    expect(rules(input, 'recruitmentAcceleration')).toEqual(['programs.union.accelerationBp']);
    expect(report(input).findings[0]?.value).toBe(1500);
  });

  it('does not flag a pool program without acceleration', () => {
    expect(rules({ programs: { union: program } }, 'recruitmentAcceleration')).toEqual([]);
  });

  it('flags every stream-queue ratio and program entitlement above 100% with its exact path', () => {
    const input = {
      base: { defaultBp: 10001, levelBp: { vip: 12000, normal: 10000 }, lottery: { kind: 'range', minBp: 100, maxBp: 10000 } },
      products: { p1: { tiers: [{ days: 30, minFen: 1, bp: 9000 }, { days: 60, minFen: 2, bp: 11000 }] } },
      stores: { s1: { lottery: { kind: 'range', minBp: 100, maxBp: 20000 } } },
      storeProducts: { 's1/tea': { lottery: { kind: 'fixed', ratiosBp: [15000, 100, 10001] } } },
      cashiers: { s1: { defaultBp: 13000 } },
      programs: { union: { ...program, rewardBp: 11000 } },
    };
    expect(rules(input, 'entitlementAboveFunding')).toEqual([
      'base.defaultBp',
      'base.levelBp.vip',
      'cashiers.s1.defaultBp',
      'products.p1.tiers[1].bp',
      'programs.union.rewardBp',
      'storeProducts.s1/tea.lottery.ratiosBp[0]',
      'storeProducts.s1/tea.lottery.ratiosBp[2]',
      'stores.s1.lottery.maxBp',
    ]);
  });

  it('does not flag ratios of exactly 100%', () => {
    const input = {
      base: { defaultBp: 10000, levelBp: { vip: 10000 }, lottery: { kind: 'fixed', ratiosBp: [10000] } },
      stores: { s1: { tiers: [{ days: 30, minFen: 1, bp: 10000 }] } },
      programs: { union: program },
    };
    expect(rules(input, 'entitlementAboveFunding')).toEqual([]);
  });

  it('flags paid-basis rewards above the threshold, paid-basis dividends and uncontrolled programs above 100% as unbounded payouts', () => {
    const input = {
      rewards: {
        maxDepth: 3,
        direct: { bp: 1501, basis: 'paid' },
        indirect: { bp: 500, basis: 'paid' },
        teamLevels: { basis: 'paid', levelsBp: { bronze: 300, gold: 1000 } },
        merchant: { bp: 200, basis: 'profit', referrers: {} },
        dividend: { bp: 100, basis: 'paid' },
      },
      programs: { union: { ...program, rewardBp: 11000 }, capped: { ...program, rewardBp: 11000, dailyCapFen: 100000 } },
    };
    const found = report(input).findings.filter((f) => f.pattern === 'unboundedPayout');
    expect(found.map((f) => f.rule)).toEqual(['programs.union', 'rewards', 'rewards.dividend']);
    expect(found[0]?.value).toEqual({ rewardBp: 11000, reserveBp: 0, dailyCapFen: null });
    expect(found[1]?.value).toEqual({
      basis: 'paid',
      combinedBp: 3001,
      thresholdBp: 3000,
      parts: { 'rewards.direct': 1501, 'rewards.indirect': 500, 'rewards.teamLevels': 1000 },
    });
  });

  it('does not flag paid-basis rewards at the threshold, profit-basis dividends or programs with a reserve', () => {
    const input = {
      rewards: {
        maxDepth: 2,
        direct: { bp: 1500, basis: 'paid' },
        indirect: { bp: 500, basis: 'paid' },
        teamLevels: { basis: 'paid', levelsBp: { gold: 1000 } },
        dividend: { bp: 500, basis: 'profit' },
      },
      programs: { union: { ...program, rewardBp: 11000, reserveBp: 500 } },
    };
    expect(rules(input, 'unboundedPayout')).toEqual([]);
  });

  it('flags profit-basis rewards that add up to more than the whole profit', () => {
    const input = { rewards: { direct: { bp: 6000, basis: 'profit' }, merchant: { bp: 5000, basis: 'profit', referrers: {} } } };
    const found = report(input).findings.filter((f) => f.pattern === 'unboundedPayout');
    expect(found.map((f) => [f.rule, (f.value as { basis: string }).basis])).toEqual([['rewards', 'profit']]);
  });

  it('takes the paid-basis threshold from the options', () => {
    const settings = validateSettings({ rewards: { direct: { bp: 1000, basis: 'paid' } } });
    const unbounded = (max: number) => complianceReport(settings, { paidRewardsMaxBp: max }).summary.byPattern.unboundedPayout;
    expect([unbounded(999), unbounded(1000)]).toEqual([1, 0]);
  });

  it('finds every pattern in the risky example, at exact rule paths, in pattern then path order', () => {
    const result = report(risky);
    expect(result.findings.map((f) => `${f.pattern} ${f.rule}`)).toEqual([
      'multiLevelCommission rewards.indirect',
      'multiLevelCommission rewards.teamLevels',
      'recruitmentReward rewards.direct',
      'recruitmentReward rewards.merchant',
      'recruitmentAcceleration programs.union.accelerationBp',
      'entitlementAboveFunding base.levelBp.vip',
      'entitlementAboveFunding cashiers.s1.lottery.maxBp',
      'entitlementAboveFunding products.p1.defaultBp',
      'entitlementAboveFunding programs.union.rewardBp',
      'entitlementAboveFunding storeProducts.s1/tea.lottery.ratiosBp[2]',
      'entitlementAboveFunding stores.s1.tiers[1].bp',
      'unboundedPayout programs.union',
      'unboundedPayout rewards',
      'unboundedPayout rewards.dividend',
    ]);
    for (const pattern of RISK_PATTERNS) expect(result.summary.byPattern[pattern.code]).toBeGreaterThanOrEqual(1);
    expect(result.summary.risks).toBe(result.findings.length);
  });

  it('finds nothing in the safe example', () => {
    expect(report(safe).summary.risks).toBe(0);
  });

  it('explains each finding in Chinese and English with the rule that triggers it', () => {
    for (const finding of report(risky).findings) {
      expect(finding.explanation.zh).toContain(finding.rule);
      expect(finding.explanation.en).toContain(finding.rule);
      expect(finding.explanation.zh).toMatch(/[\u4e00-\u9fff]/);
      expect(finding.explanation.zh).not.toMatch(/\{(rule|detail)\}/);
    }
    const p1 = report(risky).findings.find((f) => f.rule === 'products.p1.defaultBp');
    expect(p1?.explanation.zh).toContain('每付 100 元承诺返还 130 元');
    expect(report(risky).findings[0]?.explanation.zh).toContain('《禁止传销条例》');
  });

  it('keeps names with replacement patterns literal in the explanation', () => {
    const found = report({ programs: { x: { ...program, name: "$& and $' {detail}", accelerationBp: 100 } } }).findings[0];
    expect(found?.explanation.en).toContain(`"$& and $' {detail}"`);
  });

  it('reads the settings without changing them and gives the same report every time', () => {
    const settings: Settings = validateSettings(risky);
    const before = JSON.stringify(settings);
    const first = complianceReport(settings);
    expect(JSON.stringify(settings)).toBe(before);
    expect(complianceReport(settings)).toEqual(first);
  });
});

describe('formatBp', () => {
  it('prints basis points as a percentage without trailing zeros', () => {
    expect([0, 5, 50, 1250, 10000, 13000, 12345].map(formatBp)).toEqual(['0%', '0.05%', '0.5%', '12.5%', '100%', '130%', '123.45%']);
  });
});
