/**
 * Finding the next entry to pay without scanning the queue. Under the `queue` rule the next
 * entry is almost always at `head`, which only moves forward; the rare entry that becomes
 * payable behind it (a lottery draw on a zero-total entry) waits in a small min-heap. Under
 * `completedFirst` the candidates are the entries whose order completed, kept in a min-heap by
 * sequence. Heaps use lazy deletion: an entry that stopped being payable is dropped when it
 * reaches the top. Either way the cost of one payout does not grow with queue length.
 */
import type { Entry, Queue } from './model.ts';

export function heapPush(heap: Entry[], entry: Entry): void {
  let i = heap.length;
  heap.push(entry);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = heap[parent]!;
    if (p.seq <= entry.seq) break;
    heap[i] = p;
    i = parent;
  }
  heap[i] = entry;
}

function heapPop(heap: Entry[]): void {
  const last = heap.pop()!;
  const n = heap.length;
  if (n === 0) return;
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= n) break;
    const right = left + 1;
    const child = right < n && heap[right]!.seq < heap[left]!.seq ? right : left;
    if (heap[child]!.seq >= last.seq) break;
    heap[i] = heap[child]!;
    i = child;
  }
  heap[i] = last;
}

function payable(entry: Entry, queue: Queue): boolean {
  return entry.queue === queue && entry.isActive && entry.totalFen > entry.receivedFen;
}

function heapTop(heap: Entry[], queue: Queue, needsCompletedOrder: boolean): Entry | null {
  while (heap.length > 0) {
    const top = heap[0]!;
    if (payable(top, queue) && (!needsCompletedOrder || top.line.order.completed)) return top;
    heapPop(heap);
  }
  return null;
}

/** The payable entry with the lowest sequence number under the `queue` rule, or null. */
function nextInSequence(queue: Queue): Entry | null {
  const entries = queue.entries;
  while (queue.head < entries.length && !payable(entries[queue.head]!, queue)) queue.head++;
  const atHead = queue.head < entries.length ? entries[queue.head]! : null;
  const late = heapTop(queue.late, queue, false);
  if (late && (!atHead || late.seq < atHead.seq)) return late;
  return atHead;
}

export function nextPayable(queue: Queue, rule: 'queue' | 'completedFirst'): Entry | null {
  return rule === 'queue' ? nextInSequence(queue) : heapTop(queue.completedFirst, queue, true);
}

/** An entry became payable again (a draw gave it a total): make sure the pickers can see it. */
export function notePayable(entry: Entry): void {
  const queue = entry.queue;
  if (queue.head > entry.seq - 1) heapPush(queue.late, entry);
  if (entry.line.order.completed) heapPush(queue.completedFirst, entry);
}

/** Rebuild a queue's pickers after its entries were renumbered (merge). */
export function rebuildPickers(queue: Queue): void {
  queue.head = 0;
  queue.late = [];
  queue.completedFirst = [];
  for (const entry of queue.entries) {
    if (entry.isActive && entry.line.order.completed) heapPush(queue.completedFirst, entry);
  }
}
