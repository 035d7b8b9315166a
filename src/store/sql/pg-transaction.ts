/**
 * One PostgreSQL transaction on a pooled client: `begin` (which may also take a lock), `work`,
 * COMMIT; ROLLBACK on a throw. A COMMIT that PostgreSQL turned into a ROLLBACK (the transaction had
 * failed and the failure was swallowed) is an error, never a silent success, and a client whose
 * ROLLBACK failed is in an unknown state, so the pool destroys it.
 */
import type pg from 'pg';

export async function inTransaction<T>(pool: pg.Pool, begin: string, what: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    try {
      await client.query(begin);
      const result = await work(client);
      const commit = await client.query('COMMIT');
      if (commit.command !== 'COMMIT') throw new Error(`the ${what} transaction was rolled back by PostgreSQL (${commit.command})`);
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackErr: Error) => {
        broken = rollbackErr;
      });
      throw err;
    }
  } finally {
    client.release(broken);
  }
}
