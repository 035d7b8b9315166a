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

/**
 * Notices of the events being applied, in one buffer reused by every event: an event's notices
 * are copied out at its end into an array of their exact number, so the hot path allocates no
 * growing array per event. A context owns the buffer from its `noticeStart` on; contexts nest
 * only last-in first-out (a step finishes before the next begins).
 */
const NOTICE_BUFFER = 64;
let noticeBuffer: (Notice | undefined)[] = new Array<Notice | undefined>(NOTICE_BUFFER).fill(undefined);
let noticeCount = 0;

function pushNotice(notice: Notice): void {
  if (noticeCount === noticeBuffer.length) noticeBuffer = noticeBuffer.concat(new Array<Notice | undefined>(noticeBuffer.length).fill(undefined));
  noticeBuffer[noticeCount++] = notice;
}

export class Context {
  private readonly noticeStart = noticeCount;
  /** The first queue touched, and the others in order: most events touch one queue. */
  private firstTouched: Queue | null = null;
  private moreTouched: Queue[] | null = null;
  /** The platform day of `at` in `dayCalendar`, computed on first use. */
  private dayNo = 0;
  private dayCalendar: unknown = null;

  constructor(
    readonly state: EngineState,
    readonly eventNo: number,
    readonly at: number,
  ) {}

  notify(kind: NoticeKind, entry: Entry, amountFen: number): void {
    pushNotice({ kind, memberId: entry.member.id, entryId: entry.no, amountFen });
  }

  /** The same notice from the raw parts the hot path already has at hand. */
  notifyRaw(kind: NoticeKind, member: Member, entryNo: number, amountFen: number): void {
    pushNotice({ kind, memberId: member.id, entryId: entryNo, amountFen });
  }

  /** A notice about something other than a stream entry: `ref` is the pool entry or line number. */
  notifyMember(kind: NoticeKind, member: Member, ref: number, amountFen: number): void {
    pushNotice({ kind, memberId: member.id, entryId: ref, amountFen });
  }

  /** The notices produced since this context began, in order; the buffer forgets them. */
  takeNotices(): Notice[] {
    const start = this.noticeStart;
    const count = noticeCount - start;
    // A short copy by hand (the common event has a few notices); slice for long ones, which keeps
    // the array in fast elements where `new Array(n)` of a large n would not.
    const notices = count <= NOTICE_BUFFER ? new Array<Notice>(count) : (noticeBuffer.slice(start, noticeCount) as Notice[]);
    for (let i = 0; i < count; i++) {
      if (count <= NOTICE_BUFFER) notices[i] = noticeBuffer[start + i]!;
      noticeBuffer[start + i] = undefined; // keep nothing alive
    }
    // Let the room a large event made go.
    if (start === 0 && noticeBuffer.length > NOTICE_BUFFER) noticeBuffer = new Array<Notice | undefined>(NOTICE_BUFFER).fill(undefined);
    noticeCount = start;
    return notices;
  }

  /** Marks the queue to be offered its balance at the end of the event; each queue once. */
  touch(queue: Queue): void {
    if (queue.touchedBy === this.eventNo) return;
    queue.touchedBy = this.eventNo;
    if (this.firstTouched === null) this.firstTouched = queue;
    else (this.moreTouched ??= []).push(queue);
  }

  /** The touched queues in the order they were touched (queues touched meanwhile included): i = 0, 1, … until null. */
  touchedAt(i: number): Queue | null {
    if (i === 0) return this.firstTouched;
    const more = this.moreTouched;
    return more !== null && i <= more.length ? more[i - 1]! : null;
  }

  /** The platform day (calendar.dayNumber) of the event's instant. */
  get day(): number {
    const calendar = this.state.calendar;
    if (this.dayCalendar !== calendar) {
      this.dayNo = calendar.dayNumber(this.at);
      this.dayCalendar = calendar;
    }
    return this.dayNo;
  }
}
