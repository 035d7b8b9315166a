/**
 * The `qrebate` command line. Each command is a small function; unknown commands print usage.
 */
import { readFileSync } from 'node:fs';
import { runScenario, type Scenario } from '../app/scenario.ts';
import { complianceReport } from '../domain/compliance.ts';
import { DomainError } from '../domain/errors.ts';
import { validateSettings } from '../domain/settings.ts';

const USAGE = `usage: qrebate <command>

commands:
  replay <scenario.json>   run a scenario on a fresh in-memory engine and print the final state as JSON
  compliance <settings.json>
                           list the configured rules that match a known risk pattern as JSON (informs, never blocks)
  migrate                  apply pending schema migrations to the durable store and print them
                           (PostgreSQL when DATABASE_URL is set, else QREBATE_DATA_DIR/qrebate.db, default ./data)
  serve                    serve the HTTP API on the durable store (see README.md for the environment)
  verify                   replay the durable store, re-check every invariant and compare the stored ledger rows
  help                     show this text
`;

function replay(args: string[]): number {
  const file = args[0];
  if (!file) {
    process.stderr.write('replay needs a scenario file\n' + USAGE);
    return 2;
  }
  const scenario = JSON.parse(readFileSync(file, 'utf8')) as Scenario;
  const output = runScenario(scenario);
  process.stdout.write(JSON.stringify(output, null, 2) + '\n');
  return output.verify.ok ? 0 : 1;
}

/** Exits 0 whatever it finds: the report informs the operator, it does not block the settings. */
function compliance(args: string[]): number {
  const file = args[0];
  if (!file) {
    process.stderr.write('compliance needs a settings file\n' + USAGE);
    return 2;
  }
  const settings = validateSettings(JSON.parse(readFileSync(file, 'utf8')));
  process.stdout.write(JSON.stringify(complianceReport(settings), null, 2) + '\n');
  return 0;
}

/** Applies pending migrations; running it again applies nothing and says so. */
async function migrate(): Promise<number> {
  // Loaded here so that the other commands do not load the database drivers.
  const { describeEventLog, openEventLog } = await import('../store/sql/open-log.ts');
  const { SCHEMA_VERSION } = await import('../store/sql/migrations.ts');
  const config = { databaseUrl: process.env.DATABASE_URL, dataDir: process.env.QREBATE_DATA_DIR || './data' };
  const log = openEventLog(config);
  try {
    const applied = await log.migrate();
    const where = describeEventLog(config);
    if (applied.length === 0) process.stdout.write(`${where}: schema is up to date at version ${SCHEMA_VERSION}\n`);
    for (const m of applied) process.stdout.write(`${where}: applied migration ${m.version} ${m.name}\n`);
    return 0;
  } finally {
    await log.close();
  }
}

async function serveCommand(): Promise<number> {
  // Loaded here so that the other commands do not load the server or the database drivers.
  const { serve } = await import('./serve.ts');
  return serve();
}

/** Replays the durable store into a fresh engine and audits it; exits 1 on any violation. */
async function verifyCommand(): Promise<number> {
  const { DurableService } = await import('../app/durable-service.ts');
  const { checkInvariants } = await import('../domain/invariants.ts');
  const { describeEventLog, openEventLog } = await import('../store/sql/open-log.ts');
  const { compareStoredLedger } = await import('../app/stored-ledger.ts');
  const config = { databaseUrl: process.env.DATABASE_URL, dataDir: process.env.QREBATE_DATA_DIR || './data' };
  const log = openEventLog(config);
  const service = await DurableService.open(log, { now: () => Date.now() }, { nextSeed: () => 0 });
  try {
    // Audit the replayed state, then check the stored ledger rows against the replayed ledger.
    const violations = [...checkInvariants(service.engine), ...(await compareStoredLedger(log, service.engine.ledger))];
    const ledger = service.engine.ledger;
    process.stdout.write(JSON.stringify({ store: describeEventLog(config), events: service.engine.eventNo, transfers: ledger.size, ledgerHash: ledger.hash(), ok: violations.length === 0, violations }, null, 2) + '\n');
    return violations.length === 0 ? 0 : 1;
  } finally {
    await service.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'replay':
        return replay(args);
      case 'compliance':
        return compliance(args);
      case 'migrate':
        return await migrate();
      case 'serve':
        return await serveCommand();
      case 'verify':
        return await verifyCommand();
      case undefined:
      case 'help':
      case '--help':
        process.stdout.write(USAGE);
        return 0;
      default:
        process.stderr.write(`unknown command: ${command}\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    const message = err instanceof DomainError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
    process.stderr.write(`qrebate: ${message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
