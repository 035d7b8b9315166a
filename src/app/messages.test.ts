import { describe, expect, it } from 'vitest';
import type { NoticeKind } from '../domain/context.ts';
import type { EventOutcome } from '../domain/engine.ts';
import type { EngineEvent } from '../domain/events.ts';
import type { LoggedEvent } from './event-log.ts';
import { MESSAGE_KINDS, formatYuan, isMessageKind, messageText, messagesOf } from './messages.ts';

const step = (at: number, kinds: NoticeKind[], scheduled: EventOutcome[] = []): EventOutcome => ({
  eventNo: 1, type: 'tick', at, result: null, scheduledResets: 0, scheduled, notices: kinds.map((kind, i) => ({ kind, memberId: `m${i}`, entryId: i + 1, amountFen: 100 * i })),
});

describe('messagesOf', () => {
  it('lists each event’s scheduled steps’ notices (at their own instants) before its own, events in order', () => {
    const events: LoggedEvent[] = [
      { seq: 7, key: 'a', fingerprint: 'f', event: { type: 'tick', at: 50 } as EngineEvent, actor: null, outcome: step(50, ['rewardReceived'], [step(10, ['entryCleared', 'entryCleared']), step(20, ['poolReleased'])]) },
      { seq: 8, key: 'b', fingerprint: 'f', event: { type: 'tick', at: 60 } as EngineEvent, actor: null, outcome: step(60, []) },
      { seq: 9, key: 'c', fingerprint: 'f', event: { type: 'tick', at: 70 } as EngineEvent, actor: null, outcome: step(70, ['exchanged']) },
    ];
    expect(messagesOf(events).map((m) => [m.seq, m.kind, m.at, m.memberId, m.ref, m.amountFen])).toEqual([
      [7, 'entryCleared', 10, 'm0', 1, 0],
      [7, 'entryCleared', 10, 'm1', 2, 100],
      [7, 'poolReleased', 20, 'm0', 1, 0],
      [7, 'rewardReceived', 50, 'm0', 1, 0],
      [9, 'exchanged', 70, 'm0', 1, 0],
    ]);
  });
});

describe('formatYuan', () => {
  it('writes integer fen as yuan with two decimals, exactly, up to the largest safe integer', () => {
    expect(formatYuan(0)).toBe('¥0.00');
    expect(formatYuan(5)).toBe('¥0.05');
    expect(formatYuan(10)).toBe('¥0.10');
    expect(formatYuan(100)).toBe('¥1.00');
    expect(formatYuan(123_456)).toBe('¥1234.56');
    expect(formatYuan(-5)).toBe('-¥0.05');
    // 2^53 - 1 fen: a float division would print …40.99 rounded; string arithmetic keeps every digit.
    expect(formatYuan(Number.MAX_SAFE_INTEGER)).toBe('¥90071992547409.91');
  });

  it('refuses what is not a safe integer', () => {
    expect(() => formatYuan(1.5)).toThrow(RangeError);
    expect(() => formatYuan(Number.MAX_SAFE_INTEGER + 1)).toThrow(RangeError);
  });
});

describe('messageText', () => {
  it('has Chinese and English text for every notice kind', () => {
    expect(MESSAGE_KINDS).toHaveLength(12);
    for (const kind of MESSAGE_KINDS) {
      const text = messageText(kind, 1_234);
      expect(text.zh.length, kind).toBeGreaterThan(0);
      expect(text.en.length, kind).toBeGreaterThan(0);
    }
  });

  it('shows the amount as yuan, points as points, and no amount when there is none', () => {
    expect(messageText('rewardReceived', 1_234)).toEqual({ zh: '收到奖励 ¥12.34', en: 'Reward received ¥12.34' });
    expect(messageText('entryCreated', 10_000)).toEqual({ zh: '排队成功，待返 ¥100.00', en: 'Queued, rebate due ¥100.00' });
    expect(messageText('entryCompleted', 0)).toEqual({ zh: '排队完成', en: 'Queue entry completed' });
    expect(messageText('pointsCredited', 500)).toEqual({ zh: '获得积分 500', en: 'Points credited 500' });
  });

  it('knows the kinds and nothing else', () => {
    expect(isMessageKind('poolReleased')).toBe(true);
    expect(isMessageKind('toString')).toBe(false);
    expect(isMessageKind('*')).toBe(false);
    expect(isMessageKind(3)).toBe(false);
  });
});
