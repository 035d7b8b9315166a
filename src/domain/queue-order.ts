/**
 * Finding the next entry to pay without scanning the queue. Under the `queue` rule the next
 * entry is almost always at `head`, which only moves forward; the rare entry that becomes
 * payable behind it (a lottery draw on a zero-total entry) waits in a small min-heap. Under
 * `completedFirst` the candidates are the entries whose order completed, kept in a min-heap by
 * sequence. Heaps hold line rows and use lazy deletion: an entry that stopped being payable is
 * dropped when it reaches the top. Either way the cost of one payout does not grow with queue
 * length.
 */
import type { Queue } from './model.ts';
import type { EngineState } from './state.ts';

export function heapPush(state: EngineState, heap: number[], row: number): void {
  const seq = state.lines.seq;
  const key = seq.get(row);
  let i = heap.length;
  heap.push(row);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = heap[parent]!;
    if (seq.get(p) <= key) break;
    heap[i] = p;
    i = parent;
  }
  heap[i] = row;
}

function heapPop(state: EngineState, heap: number[]): void {
  const seq = state.lines.seq;
  const last = heap.pop()!;
  const n = heap.length;
  if (n === 0) return;
  const key = seq.get(last);
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= n) break;
    const right = left + 1;
    const child = right < n && seq.get(heap[right]!) < seq.get(heap[left]!) ? right : left;
    if (seq.get(heap[child]!) >= key) break;
    heap[i] = heap[child]!;
    i = child;
  }
  heap[i] = last;
}

/** Active, in this queue and still owed something. */
export function payableRow(state: EngineState, row: number, queue: Queue): boolean {
  const t = state.lines;
  return t.queue.get(row) === queue.no && t.isActive(row) && state.totalOf(row) > t.received.get(row);
}

function orderCompleted(state: EngineState, row: number): boolean {
  return state.orderTable.completedAt.get(state.lines.order.get(row)) >= 0;
}

function heapTop(state: EngineState, heap: number[], queue: Queue, needsCompletedOrder: boolean): number {
  while (heap.length > 0) {
    const top = heap[0]!;
    if (payableRow(state, top, queue) && (!needsCompletedOrder || orderCompleted(state, top))) return top;
    heapPop(state, heap);
  }
  return -1;
}

/** The payable row with the lowest sequence number under the `queue` rule, or -1. */
function nextInSequence(state: EngineState, queue: Queue): number {
  const entries = queue.entries;
  while (queue.head < entries.length && !payableRow(state, entries.get(queue.head), queue)) queue.head++;
  const atHead = queue.head < entries.length ? entries.get(queue.head) : -1;
  const late = queue.late.length === 0 ? -1 : heapTop(state, queue.late, queue, false);
  if (late >= 0 && (atHead < 0 || state.lines.seq.get(late) < state.lines.seq.get(atHead))) return late;
  return atHead;
}

/** The row of the next entry to pay, or -1 when nobody in the queue can take money now. */
export function nextPayable(state: EngineState, queue: Queue, rule: 'queue' | 'completedFirst'): number {
  return rule === 'queue' ? nextInSequence(state, queue) : heapTop(state, queue.completedFirst, queue, true);
}

/** An entry became payable again (a draw gave it a total): make sure the pickers can see it. */
export function notePayable(state: EngineState, row: number): void {
  const queue = state.queueList[state.lines.queue.get(row) - 1]!;
  if (queue.head > state.lines.seq.get(row) - 1) heapPush(state, queue.late, row);
  if (orderCompleted(state, row)) heapPush(state, queue.completedFirst, row);
}

/** Rebuild a queue's pickers after its entries were renumbered (merge). */
export function rebuildPickers(state: EngineState, queue: Queue): void {
  queue.head = 0;
  queue.late = [];
  queue.completedFirst = [];
  for (let i = 0; i < queue.entries.length; i++) {
    const row = queue.entries.get(i);
    if (state.lines.isActive(row) && orderCompleted(state, row)) heapPush(state, queue.completedFirst, row);
  }
}
