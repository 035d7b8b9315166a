/**
 * What one event's application carries: the state, the event's number and instant, the queues
 * it touched (offered their balance at the end) and the member notices it produced.
 */
import type { Entry, Member, Queue } from './model.ts';
import type { EngineState } from './state.ts';

export type NoticeKind =
  | 'entryCreated'
  | 'rewardReceived'
  | 'entryCompleted'
  | 'entryCleared'
  | 'entryCancelled'
  | 'lotteryResult'
  | 'exchanged'
  | 'pointsCredited'
  | 'rewardGranted'
  | 'poolEntryCreated'
  | 'poolReleased'
  | 'dividendPaid';

/** 消息通知: one member-facing message. */
export interface Notice {
  kind: NoticeKind;
  memberId: string;
  entryId: number;
  amountFen: number;
}

export class Context {
  readonly notices: Notice[] = [];
  readonly touched: Queue[] = [];

  constructor(
    readonly state: EngineState,
    readonly eventNo: number,
    readonly at: number,
  ) {}

  notify(kind: NoticeKind, entry: Entry, amountFen: number): void {
    this.notices.push({ kind, memberId: entry.member.id, entryId: entry.no, amountFen });
  }

  /** The same notice from the raw parts the hot path already has at hand. */
  notifyRaw(kind: NoticeKind, member: Member, entryNo: number, amountFen: number): void {
    this.notices.push({ kind, memberId: member.id, entryId: entryNo, amountFen });
  }

  /** A notice about something other than a stream entry: `ref` is the pool entry or line number. */
  notifyMember(kind: NoticeKind, member: Member, ref: number, amountFen: number): void {
    this.notices.push({ kind, memberId: member.id, entryId: ref, amountFen });
  }

  /** Marks the queue to be offered its balance at the end of the event; each queue once. */
  touch(queue: Queue): void {
    if (queue.touchedBy === this.eventNo) return;
    queue.touchedBy = this.eventNo;
    this.touched.push(queue);
  }
}
