/**
 * Every collection and input the engine accepts has a bound (TigerBeetle style): a request past
 * one is rejected up front instead of slowing or exhausting the service later.
 */
export const LIMITS = {
  idLengthMax: 128,
  linesPerOrderMax: 1_000,
  lineIdsPerRefundMax: 1_000,
  lotteryRatiosMax: 32,
  tiersMax: 16,
  tierDaysMax: 3_650,
  entryLimitMax: 1_000_000,
  randomGroupMax: 1_000,
  layerEntriesMax: 1_000_000,
  levelLengthMax: 64,
  pointsTransferMax: 1_000_000_000_000,
  queuesPerMergeMax: 1_000,
  windowsMax: 48,
} as const;
