/**
 * Abstract operations for the property runs. An operation is only a kind and a seed: the world
 * interprets it against the current state (which member, order or entry it concerns, what amounts)
 * with a generator seeded by `seed`. Keeping operations this small lets fast-check shrink a failing
 * sequence by dropping operations and lowering seeds, and lets a long run be regenerated from one
 * number.
 */
import fc from 'fast-check';
import { TestRng } from './prng.ts';

export const OP_KINDS = [
  'paid',
  'completed',
  'refunded',
  'draw',
  'exchange',
  'pointsTransfer',
  'member',
  'settings',
  'pause',
  'resume',
  'reset',
  'merge',
  'withdraw',
  'tick',
  'invalid',
  'replay',
  'conflict',
] as const;
export type OpKind = (typeof OP_KINDS)[number];

export interface Op {
  kind: OpKind;
  seed: number;
}

/** Relative frequencies: mostly orders and their lifecycle, with every other kind mixed in. */
export const OP_WEIGHTS: readonly (readonly [OpKind, number])[] = [
  ['paid', 24],
  ['completed', 13],
  ['refunded', 6],
  ['draw', 4],
  ['exchange', 3],
  ['pointsTransfer', 2],
  ['member', 3],
  ['settings', 4],
  ['pause', 1],
  ['resume', 3],
  ['reset', 0.5],
  ['merge', 0.2],
  ['withdraw', 2],
  ['tick', 6],
  ['invalid', 7],
  ['replay', 3],
  ['conflict', 1.5],
];

/** The operation sequence of a long run, regenerated from its seed alone. */
export function randomOps(seed: number, count: number): Op[] {
  const rng = new TestRng(seed ^ 0x5eed_0f0f);
  const ops: Op[] = [];
  for (let i = 0; i < count; i++) ops.push({ kind: rng.weighted(OP_WEIGHTS), seed: rng.u32() });
  return ops;
}

/** The same distribution for fast-check, which shrinks towards fewer operations and seed 0. */
export const opArbitrary: fc.Arbitrary<Op> = fc.record({
  kind: fc.oneof(...OP_WEIGHTS.map(([kind, weight]) => ({ arbitrary: fc.constant(kind), weight: Math.round(weight * 10) }))),
  seed: fc.nat(),
});
