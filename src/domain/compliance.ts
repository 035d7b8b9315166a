/**
 * Compliance report (合规检查): lists every configured rule that matches a known risk pattern of
 * rebate and referral schemes, with a plain explanation in Chinese and English and the settings
 * path that triggers it. It informs; it never blocks: settings that trip every pattern are still
 * valid settings. docs/COMPLIANCE.md explains each pattern for operators.
 *
 * The patterns are data (Vendure's promotion-rule shape): each is one object with a code, a
 * severity, a bilingual explanation template and a `detect` function, so adding a pattern means
 * adding one object to RISK_PATTERNS. The report reads what is *configured*, whether or not the
 * layer or program is switched on today, because a switched-off rule is one click from live.
 */
import { BP_ONE } from './money.ts';
import type { LayerSettings, Settings } from './settings.ts';
import type { RewardBasis, RewardRule } from './rewards/reward-settings.ts';

export type RiskPattern =
  | 'multiLevelCommission'
  | 'recruitmentReward'
  | 'recruitmentAcceleration'
  | 'entitlementAboveFunding'
  | 'unboundedPayout';

export type Severity = 'high' | 'medium';

export interface Bilingual {
  zh: string;
  en: string;
}

export interface Finding {
  pattern: RiskPattern;
  severity: Severity;
  /** The settings path that triggers the finding, in validateSettings' notation: `products.p1.defaultBp`. */
  rule: string;
  /** The configured value at that path (for combined findings, the parts that add up). */
  value: unknown;
  explanation: Bilingual;
}

export interface ComplianceReport {
  findings: Finding[];
  summary: { risks: number; byPattern: Record<RiskPattern, number> };
}

export interface ComplianceOptions {
  /**
   * The most that distribution rewards computed on the paid amount may add up to on one line
   * before they count as not bounded by the line's margin. 3000 bp (30%) is above the gross
   * margin of most retail goods, so rewards beyond it are likely paid from money the sale did not earn.
   */
  paidRewardsMaxBp: number;
}

export const PAID_REWARDS_MAX_BP_DEFAULT = 3_000;
export const DEFAULT_COMPLIANCE_OPTIONS: Readonly<ComplianceOptions> = { paidRewardsMaxBp: PAID_REWARDS_MAX_BP_DEFAULT };

/** One configured rule that matched a pattern: where it is, its value, and what it does in words. */
export interface Hit {
  rule: string;
  value: unknown;
  detail: Bilingual;
}

export interface RiskPatternSpec {
  code: RiskPattern;
  severity: Severity;
  /** `{rule}` and `{detail}` are replaced by the hit's path and description. */
  explanation: Bilingual;
  detect(settings: Settings, options: ComplianceOptions): Hit[];
}

/** 1250 → "12.5%"; integer arithmetic only (money and ratios never pass through floats). */
export function formatBp(bp: number): string {
  const whole = Math.floor(bp / 100);
  const cents = bp % 100;
  if (cents === 0) return `${whole}%`;
  const fraction = String(cents).padStart(2, '0').replace(/0$/, '');
  return `${whole}.${fraction}%`;
}

const BASIS_WORDS: Record<RewardBasis, Bilingual> = {
  paid: { zh: '实付金额', en: 'paid amount' },
  profit: { zh: '利润', en: 'profit' },
};

function ruleValue(rule: RewardRule): { bp: number; basis: RewardBasis } {
  return { bp: rule.bp, basis: rule.basis };
}

function maxLevelBp(levelsBp: Record<string, number>): number {
  return Object.values(levelsBp).reduce((max, bp) => Math.max(max, bp), 0);
}

// ---------------------------------------------------------------------------------------------
// 多级分销: commission on purchases beyond the direct referrer.

function detectMultiLevelCommission(settings: Settings): Hit[] {
  const { indirect, teamLevels, maxDepth } = settings.rewards;
  const hits: Hit[] = [];
  if (indirect && indirect.bp > 0) {
    const basis = BASIS_WORDS[indirect.basis];
    hits.push({
      rule: 'rewards.indirect',
      value: ruleValue(indirect),
      detail: {
        zh: `间推奖励：下线的下线消费时，按其${basis.zh}的 ${formatBp(indirect.bp)} 奖励上上级`,
        en: `the indirect reward pays the second upline ${formatBp(indirect.bp)} of the ${basis.en} of each purchase`,
      },
    });
  }
  // The level difference of a chain telescopes to at most the highest level's bp, but with a depth
  // above 1 that money can go to uplines beyond the direct referrer.
  if (teamLevels && maxDepth > 1 && maxLevelBp(teamLevels.levelsBp) > 0) {
    hits.push({
      rule: 'rewards.teamLevels',
      value: { maxDepth, basis: teamLevels.basis, levelsBp: { ...teamLevels.levelsBp } },
      detail: {
        zh: `级差奖励沿推荐链向上最多 ${maxDepth} 级发放（最高 ${formatBp(maxLevelBp(teamLevels.levelsBp))}）`,
        en: `the team level difference is paid up to ${maxDepth} levels up the referral chain (up to ${formatBp(maxLevelBp(teamLevels.levelsBp))})`,
      },
    });
  }
  return hits;
}

// ---------------------------------------------------------------------------------------------
// 拉人头: rewards for bringing in merchants, or a referral commission on the recruit's revenue.

function detectRecruitmentReward(settings: Settings): Hit[] {
  const { direct, merchant } = settings.rewards;
  const hits: Hit[] = [];
  // A one-level referral fee out of the sale's profit is ordinary affiliate marketing; on the paid
  // amount it is a commission on the recruit's revenue whatever the sale earned, so it rewards the
  // recruiting rather than the selling.
  if (direct && direct.bp > 0 && direct.basis === 'paid') {
    hits.push({
      rule: 'rewards.direct',
      value: ruleValue(direct),
      detail: {
        zh: `直推奖励按被推荐人实付金额的 ${formatBp(direct.bp)} 计算，而不是按利润`,
        en: `the direct referral reward is ${formatBp(direct.bp)} of the recruit's paid amount, not of the profit`,
      },
    });
  }
  if (merchant && merchant.bp > 0) {
    const basis = BASIS_WORDS[merchant.basis];
    hits.push({
      rule: 'rewards.merchant',
      value: ruleValue(merchant),
      detail: {
        zh: `招商奖励：按引进门店${basis.zh}的 ${formatBp(merchant.bp)} 奖励引进人`,
        en: `the merchant referral reward pays ${formatBp(merchant.bp)} of a brought-in store's ${basis.en} to whoever brought it in`,
      },
    });
  }
  return hits;
}

// ---------------------------------------------------------------------------------------------
// 推广加速: referring buyers speeds up the referrer's own release.

function detectRecruitmentAcceleration(settings: Settings): Hit[] {
  const hits: Hit[] = [];
  for (const [id, program] of Object.entries(settings.programs)) {
    if (program.accelerationBp <= 0) continue;
    hits.push({
      rule: `programs.${id}.accelerationBp`,
      value: program.accelerationBp,
      detail: {
        zh: `「${program.name}」把被推荐人订单进入资金池金额的 ${formatBp(program.accelerationBp)} 直接付给推荐人最早的权益`,
        en: `"${program.name}" pays ${formatBp(program.accelerationBp)} of a referred member's pool inflow straight to the referrer's oldest entry`,
      },
    });
  }
  return hits;
}

// ---------------------------------------------------------------------------------------------
// 返利超过实付: entitlement ratios above 100%, which only later buyers' money can fund.

function ratioHit(rule: string, bp: number, what: Bilingual): Hit {
  return {
    rule,
    value: bp,
    detail: {
      zh: `${what.zh}为 ${formatBp(bp)}，即每付 100 元承诺返还 ${formatBp(bp).replace('%', '')} 元`,
      en: `${what.en} is ${formatBp(bp)}: every 100.00 paid is promised ${formatBp(bp).replace('%', '')} back`,
    },
  };
}

const RATIO_WORDS = {
  default: { zh: '默认奖励权益比例', en: 'the default reward ratio' },
  level: { zh: '会员等级奖励比例', en: 'the member-level reward ratio' },
  tier: { zh: '累计消费阶梯奖励比例', en: 'the spending-tier reward ratio' },
  lottery: { zh: '抽奖奖励比例', en: 'a lottery reward ratio' },
} satisfies Record<string, Bilingual>;

/** Every stream-queue reward ratio a layer sets above 100%, with its path. */
function layerRatiosAboveOne(layer: LayerSettings, path: string): Hit[] {
  const hits: Hit[] = [];
  if (layer.defaultBp !== undefined && layer.defaultBp > BP_ONE) hits.push(ratioHit(`${path}.defaultBp`, layer.defaultBp, RATIO_WORDS.default));
  for (const [level, bp] of Object.entries(layer.levelBp ?? {})) {
    if (bp > BP_ONE) hits.push(ratioHit(`${path}.levelBp.${level}`, bp, RATIO_WORDS.level));
  }
  (layer.tiers ?? []).forEach((tier, i) => {
    if (tier.bp > BP_ONE) hits.push(ratioHit(`${path}.tiers[${i}].bp`, tier.bp, RATIO_WORDS.tier));
  });
  const lottery = layer.lottery;
  if (lottery?.kind === 'fixed') {
    lottery.ratiosBp.forEach((bp, i) => {
      if (bp > BP_ONE) hits.push(ratioHit(`${path}.lottery.ratiosBp[${i}]`, bp, RATIO_WORDS.lottery));
    });
  } else if (lottery?.kind === 'range' && lottery.maxBp > BP_ONE) {
    // minBp ≤ maxBp, so the upper bound alone says whether a draw can exceed 100%.
    hits.push(ratioHit(`${path}.lottery.maxBp`, lottery.maxBp, RATIO_WORDS.lottery));
  }
  return hits;
}

function detectEntitlementAboveFunding(settings: Settings): Hit[] {
  const hits = layerRatiosAboveOne(settings.base, 'base');
  const maps = { products: settings.products, stores: settings.stores, storeProducts: settings.storeProducts, cashiers: settings.cashiers };
  for (const [section, layers] of Object.entries(maps)) {
    for (const [id, layer] of Object.entries(layers)) hits.push(...layerRatiosAboveOne(layer, `${section}.${id}`));
  }
  for (const [id, program] of Object.entries(settings.programs)) {
    if (program.rewardBp > BP_ONE) {
      hits.push(ratioHit(`programs.${id}.rewardBp`, program.rewardBp, { zh: `「${program.name}」的权益比例`, en: `the entitlement ratio of "${program.name}"` }));
    }
  }
  return hits;
}

// ---------------------------------------------------------------------------------------------
// 支出无资金池约束: rewards that can exceed what the sale earned, releases with no control.

/** The most the per-line distribution rules of one basis can pay on one line, by rule path. */
function lineRewardParts(settings: Settings, basis: RewardBasis): Record<string, number> {
  const { direct, indirect, teamLevels, merchant } = settings.rewards;
  const parts: Record<string, number> = {};
  const add = (rule: string, r: { bp: number; basis: RewardBasis } | null): void => {
    if (r && r.basis === basis && r.bp > 0) parts[rule] = r.bp;
  };
  add('rewards.direct', direct);
  add('rewards.indirect', indirect);
  // A chain's level differences add up to at most the highest level's bp.
  if (teamLevels) add('rewards.teamLevels', { bp: maxLevelBp(teamLevels.levelsBp), basis: teamLevels.basis });
  add('rewards.merchant', merchant);
  return parts;
}

function combinedRewardsHit(settings: Settings, basis: RewardBasis, thresholdBp: number): Hit[] {
  const parts = lineRewardParts(settings, basis);
  const combinedBp = Object.values(parts).reduce((sum, bp) => sum + bp, 0);
  if (combinedBp <= thresholdBp) return [];
  const words = BASIS_WORDS[basis];
  return [{
    rule: 'rewards',
    value: { basis, combinedBp, thresholdBp, parts },
    detail: {
      zh: `一笔订单的分销奖励合计最多可达${words.zh}的 ${formatBp(combinedBp)}（${Object.keys(parts).join(' + ')}），超过 ${formatBp(thresholdBp)}`,
      en: `one line's distribution rewards can add up to ${formatBp(combinedBp)} of its ${words.en} (${Object.keys(parts).join(' + ')}), above ${formatBp(thresholdBp)}`,
    },
  }];
}

function detectUnboundedPayout(settings: Settings, options: ComplianceOptions): Hit[] {
  const hits = [
    ...combinedRewardsHit(settings, 'paid', options.paidRewardsMaxBp),
    // On profit the bound is the profit itself: beyond 100% the sale cannot fund its rewards.
    ...combinedRewardsHit(settings, 'profit', BP_ONE),
  ];
  const dividend = settings.rewards.dividend;
  if (dividend && dividend.bp > 0 && dividend.basis === 'paid') {
    hits.push({
      rule: 'rewards.dividend',
      value: ruleValue(dividend),
      detail: {
        zh: `股东分红按营业额（实付金额）的 ${formatBp(dividend.bp)} 计算，亏损的时期也要分`,
        en: `the shareholder dividend is ${formatBp(dividend.bp)} of turnover (paid amounts), owed even in a period that made a loss`,
      },
    });
  }
  for (const [id, program] of Object.entries(settings.programs)) {
    if (program.rewardBp <= BP_ONE || program.reserveBp > 0 || program.dailyCapFen !== null) continue;
    hits.push({
      rule: `programs.${id}`,
      value: { rewardBp: program.rewardBp, reserveBp: program.reserveBp, dailyCapFen: program.dailyCapFen },
      detail: {
        zh: `「${program.name}」权益比例 ${formatBp(program.rewardBp)}，既没有储备比例也没有每日释放上限（控盘）`,
        en: `"${program.name}" promises ${formatBp(program.rewardBp)} with neither a reserve ratio nor a daily release cap`,
      },
    });
  }
  return hits;
}

// ---------------------------------------------------------------------------------------------

export const RISK_PATTERNS: readonly RiskPatternSpec[] = [
  {
    code: 'multiLevelCommission',
    severity: 'high',
    explanation: {
      zh: '多级分销：对下线的下线的消费发放佣金（团队计酬），可能被认定为传销（《禁止传销条例》第七条）。触发规则 {rule}：{detail}。',
      en: "Multi-level commission: members earn commission on purchases by their recruits' recruits (pay by downline team), which Chinese law can treat as pyramid selling (Regulations on Prohibition of Pyramid Selling, art. 7). Triggered by {rule}: {detail}.",
    },
    detect: detectMultiLevelCommission,
  },
  {
    code: 'recruitmentReward',
    severity: 'medium',
    explanation: {
      zh: '拉人头奖励：奖励取决于带来了多少人或多少商家、以及他们的营业额，而不是商品本身赚到的利润；以发展人员计酬是传销的特征之一（《禁止传销条例》第七条）。只给直接推荐人、按利润计算的推广佣金风险较低。触发规则 {rule}：{detail}。',
      en: 'Recruitment reward: the reward depends on bringing in people or merchants and on their revenue, not on the margin the goods earn; paying for recruitment is a hallmark of pyramid selling (Regulations on Prohibition of Pyramid Selling, art. 7). A one-level referral fee out of the profit of the sale is the lower-risk form. Triggered by {rule}: {detail}.',
    },
    detect: detectRecruitmentReward,
  },
  {
    code: 'recruitmentAcceleration',
    severity: 'high',
    explanation: {
      zh: '推广加速：推荐别人消费就能让自己的排队权益提前释放，没有推荐别人的会员因此等得更久；收益取决于拉人头，可能被认定为传销。触发规则 {rule}：{detail}。',
      en: "Acceleration by recruitment: referring new buyers moves a member's own entitlement forward, and members who recruit nobody wait longer; returns that depend on recruiting can be treated as pyramid selling. Triggered by {rule}: {detail}.",
    },
    detect: detectRecruitmentAcceleration,
  },
  {
    code: 'entitlementAboveFunding',
    severity: 'high',
    explanation: {
      zh: '返利超过实付：承诺返还的钱比会员自己付的还多，多出的部分只能来自后来者的消费；新订单一减少，排在后面的人就拿不到。用后来者的钱支付先来者（借新还旧）可能被认定为非法集资（《防范和处置非法集资条例》）。触发规则 {rule}：{detail}。',
      en: "Entitlement above 100%: members are promised back more than they paid, and the excess can only come from later buyers' money; when new orders slow down, the members at the back are never paid. Paying earlier members with later members' money can be treated as illegal fund-raising (a Ponzi scheme). Triggered by {rule}: {detail}.",
    },
    detect: detectEntitlementAboveFunding,
  },
  {
    code: 'unboundedPayout',
    severity: 'high',
    explanation: {
      zh: '支出不受资金池约束：奖励按实付金额而不是利润计算，或释放没有任何控盘，支出可能超过订单实际赚到的钱，差额要靠其他资金（往往是后来者的钱）补上，资金链可能断裂。触发规则 {rule}：{detail}。',
      en: "Payouts not bounded by a funded pool: rewards computed on the paid amount rather than the profit, or releases with no control, can exceed what the orders actually earn; the difference has to come from other money (often later buyers'), and the scheme can collapse. Triggered by {rule}: {detail}.",
    },
    detect: detectUnboundedPayout,
  },
];

/** One pass with a replacer function: ids and names may contain `$&` or `{detail}` and stay literal. */
function fill(template: string, hit: Hit, lang: keyof Bilingual): string {
  return template.replace(/\{(rule|detail)\}/g, (_, key: string) => (key === 'rule' ? hit.rule : hit.detail[lang]));
}

/** Code-unit order, so the result does not depend on the host's locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Every configured rule that matches a risk pattern, ordered by pattern (RISK_PATTERNS order)
 * then by rule path. Pure: reads the settings, changes nothing.
 */
export function complianceReport(settings: Settings, options: ComplianceOptions = DEFAULT_COMPLIANCE_OPTIONS): ComplianceReport {
  const findings: Finding[] = [];
  const byPattern = {} as Record<RiskPattern, number>;
  for (const pattern of RISK_PATTERNS) {
    // Array.prototype.sort is stable, so hits on the same path keep their detection order.
    const hits = pattern.detect(settings, options).sort((a, b) => compareText(a.rule, b.rule));
    byPattern[pattern.code] = hits.length;
    for (const hit of hits) {
      findings.push({
        pattern: pattern.code,
        severity: pattern.severity,
        rule: hit.rule,
        value: hit.value,
        explanation: { zh: fill(pattern.explanation.zh, hit, 'zh'), en: fill(pattern.explanation.en, hit, 'en') },
      });
    }
  }
  return { findings, summary: { risks: findings.length, byPattern } };
}
