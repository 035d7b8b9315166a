/**
 * Member messages (消息通知) without a messages table. A message is a notice in a logged event's
 * outcome, which the events row already stores; writing each one again as a row of its own (and
 * into a per-member index) cost more than the rest of an order's write together (see
 * docs/ARCHITECTURE.md, "One row per event"). So messages are derived, not written:
 *
 * - their numbering is fixed by the log: message ids are 1, 2, 3, … over the notices of the
 *   events in seq order, in the order `forEachNotice` visits them (scheduled steps first). Events
 *   never change, so neither do ids, and they grow in commit order as before;
 * - a per-connection index in memory (this class) knows, per member, the ids of their messages
 *   and, per event, its first message id. It is fed every event the connection reads or commits,
 *   in order, and catches up on the rest before a query;
 * - a query looks the ids up here and reads the few events that hold them back from the log.
 *
 * Memory: one number per event and one per message (~8 bytes each).
 */
import type { LoggedEvent, StoredMessage } from './event-log.ts';
import { forEachNotice, messagesOf } from './messages.ts';

/** What deriving messages needs of a logged event. */
export type EventNotices = Pick<LoggedEvent, 'seq' | 'outcome'>;

export interface MessageSource {
  /** Events after `afterSeq` in order, at most `limit` (fewer only at the end of the log). */
  readPage(afterSeq: number, limit: number): Promise<EventNotices[]>;
  /** The events with these seqs (in any order; each exists). */
  readAt(seqs: readonly number[]): Promise<EventNotices[]>;
}

const CATCH_UP_PAGE = 10_000;

export class MessageIndex {
  /** The last seq fed, in order from 1. */
  private seq = 0;
  /** firstIds[seq - 1]: the id of event seq's first message (the next id when it has none). */
  private readonly firstIds: number[] = [];
  private nextId = 1;
  private readonly byMember = new Map<string, number[]>();

  /** Feeds events in log order; events already seen are skipped, and a gap ends the feed (a later catch-up fills it). */
  observe(events: readonly EventNotices[]): void {
    for (const e of events) {
      if (e.seq <= this.seq) continue;
      if (e.seq !== this.seq + 1) return;
      this.firstIds.push(this.nextId);
      forEachNotice(e.outcome, (n) => {
        let own = this.byMember.get(n.memberId);
        if (own === undefined) this.byMember.set(n.memberId, (own = []));
        own.push(this.nextId++);
      });
      this.seq = e.seq;
    }
  }

  /** Reads and feeds what the log holds beyond what this index has seen. */
  async catchUp(source: MessageSource): Promise<void> {
    for (;;) {
      const page = await source.readPage(this.seq, CATCH_UP_PAGE);
      this.observe(page);
      if (page.length < CATCH_UP_PAGE) return;
    }
  }

  /** One member's messages with id above `afterId`, oldest first, at most `limit`. */
  async forMember(source: MessageSource, memberId: string, afterId: number, limit: number): Promise<StoredMessage[]> {
    await this.catchUp(source);
    const own = this.byMember.get(memberId) ?? [];
    const start = firstAbove(own, afterId);
    const ids = own.slice(start, start + limit);
    if (ids.length === 0) return [];
    const wanted = new Set(ids);
    const seqs = [...new Set(ids.map((id) => this.seqOf(id)))];
    const events = (await source.readAt(seqs)).sort((a, b) => a.seq - b.seq);
    return this.numbered(events).filter((m) => wanted.has(m.id));
  }

  /** Every member's messages with id above `afterId`, in id order, at most `limit` (the webhook outbox). */
  async after(source: MessageSource, afterId: number, limit: number): Promise<StoredMessage[]> {
    await this.catchUp(source);
    const out: StoredMessage[] = [];
    if (afterId + 1 >= this.nextId || limit <= 0) return out;
    let seq = this.seqOf(afterId + 1) - 1;
    while (out.length < limit && seq < this.seq) {
      const page = await source.readPage(seq, Math.min(CATCH_UP_PAGE, Math.max(limit, 16)));
      if (page.length === 0) break;
      for (const m of this.numbered(page)) if (m.id > afterId && out.length < limit) out.push(m);
      seq = page[page.length - 1]!.seq;
    }
    return out;
  }

  /** The messages of contiguous or scattered events (each already fed), numbered from their events' first ids. */
  private numbered(events: readonly EventNotices[]): StoredMessage[] {
    const out: StoredMessage[] = [];
    for (const e of events) {
      let id = this.firstIds[e.seq - 1];
      if (id === undefined) throw new Error(`event ${e.seq} is not in the message index`);
      for (const m of messagesOf([e])) out.push({ id: id++, ...m });
    }
    return out;
  }

  /** The seq of the event holding message `id` (1 ≤ id < nextId): the last event whose first id is ≤ id. */
  private seqOf(id: number): number {
    let lo = 0;
    let hi = this.firstIds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.firstIds[mid]! <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo; // firstIds[lo - 1] ≤ id: event seq lo
  }
}

/** The index of the first id above `afterId` in an ascending list. */
function firstAbove(ids: readonly number[], afterId: number): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! <= afterId) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
