/**
 * Member messages (消息通知): the notices of an event's outcome as messages, and their plain
 * Chinese and English text for the member view. Messages are derived from the stored outcomes
 * with `messagesOf` (message-index.ts numbers them), so a message exists exactly when its event does.
 */
import type { Notice, NoticeKind } from '../domain/context.ts';
import type { EventOutcome } from '../domain/engine.ts';
import type { LoggedEvent, StoredMessage } from './event-log.ts';

/** A message before the log numbers it. */
export type MessageRow = Omit<StoredMessage, 'id'>;

/**
 * Visits an outcome's notices in message order: the notices of the time-driven steps that ran
 * before the event (each with its step's outcome, for its instant), then its own. Message ids
 * are numbered in this order (message-index.ts), so it is the one definition of it.
 */
export function forEachNotice(outcome: EventOutcome, visit: (notice: Notice, step: EventOutcome) => void): void {
  for (const step of outcome.scheduled ?? []) forEachNotice(step, visit);
  for (const n of outcome.notices ?? []) visit(n, outcome);
}

/** The messages of a batch of logged events, in order (see forEachNotice). */
export function messagesOf(events: readonly Pick<LoggedEvent, 'seq' | 'outcome'>[]): MessageRow[] {
  const rows: MessageRow[] = [];
  for (const e of events) {
    forEachNotice(e.outcome, (n, step) => rows.push({ seq: e.seq, memberId: n.memberId, kind: n.kind, ref: n.entryId, amountFen: n.amountFen, at: step.at }));
  }
  return rows;
}

/**
 * Integer fen as yuan, `¥12.34`, by string arithmetic on the digits: no float ever touches money.
 * Negative amounts (none are produced today) keep their sign: `-¥0.05`.
 */
export function formatYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`amount ${fen} is not a safe integer of fen`);
  const digits = String(Math.abs(fen)).padStart(3, '0');
  return `${fen < 0 ? '-' : ''}¥${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

export interface MessageText {
  zh: string;
  en: string;
}

type Texter = (amount: number) => MessageText;

/** With an amount when there is one: some notices carry 0 (an entry completed without payout). */
const withAmount = (zh: string, en: string, zhNone = zh, enNone = en): Texter => (fen) =>
  fen === 0 ? { zh: zhNone, en: enNone } : { zh: `${zh} ${formatYuan(fen)}`, en: `${en} ${formatYuan(fen)}` };

/** One line per kind; a `Record` over the closed union makes a new notice kind refuse to compile until it has its text. */
const TEXTS: Readonly<Record<NoticeKind, Texter>> = {
  entryCreated: withAmount('排队成功，待返', 'Queued, rebate due', '排队成功', 'Queued'),
  rewardReceived: withAmount('收到奖励', 'Reward received'),
  entryCompleted: withAmount('排队完成，共返', 'Queue entry completed, total', '排队完成', 'Queue entry completed'),
  entryCleared: withAmount('排队已清零，未返', 'Queue entry cleared, not paid', '排队已清零', 'Queue entry cleared'),
  entryCancelled: withAmount('排队已取消（退款），未返', 'Queue entry cancelled (refund), not paid', '排队已取消（退款）', 'Queue entry cancelled (refund)'),
  lotteryResult: withAmount('抽奖结果：应返', 'Lottery result: rebate', '抽奖结果：未中奖', 'Lottery result: no rebate'),
  exchanged: withAmount('已兑换', 'Exchanged'),
  pointsCredited: (points) => ({ zh: `获得积分 ${points}`, en: `Points credited ${points}` }),
  rewardGranted: withAmount('获得奖励', 'Reward granted'),
  poolEntryCreated: withAmount('加入奖池，待返', 'Pool entry created, due', '加入奖池', 'Pool entry created'),
  poolReleased: withAmount('奖池释放', 'Pool release'),
  dividendPaid: withAmount('分红到账', 'Dividend paid'),
};

/** Every notice kind, in the order of the text table (webhook configuration validates against it). */
export const MESSAGE_KINDS: readonly NoticeKind[] = Object.keys(TEXTS) as NoticeKind[];

export function isMessageKind(x: unknown): x is NoticeKind {
  return typeof x === 'string' && Object.hasOwn(TEXTS, x);
}

/** The plain text of a message in both languages. */
export function messageText(kind: NoticeKind, amountFen: number): MessageText {
  return TEXTS[kind](amountFen);
}
