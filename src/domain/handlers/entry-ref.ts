import { reject } from '../errors.ts';
import type { EntryRef } from '../events.ts';
import type { Entry } from '../model.ts';
import type { EngineState } from '../state.ts';

export function findEntry(state: EngineState, ref: EntryRef): Entry {
  if ('entryId' in ref) {
    return state.entry(ref.entryId) ?? reject('UNKNOWN_ENTRY', `entry ${ref.entryId} is not known`, { entryId: ref.entryId });
  }
  const order = state.order(ref.orderId) ?? reject('UNKNOWN_ORDER', `order ${ref.orderId} is not known`, { orderId: ref.orderId });
  const line = order.lines.find((l) => l.id === ref.lineId) ?? reject('UNKNOWN_LINE', `order ${ref.orderId} has no line ${ref.lineId}`, { ...ref });
  return line.entry ?? reject('UNKNOWN_ENTRY', `line ${ref.lineId} of order ${ref.orderId} created no entry`, { ...ref });
}

