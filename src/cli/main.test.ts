import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../domain/compliance.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'qrebate-cli-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the installed entry point exactly as a user would, from the repository root. */
function qrebate(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['bin/qrebate.mjs', ...args], { cwd: root, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('qrebate compliance', () => {
  it('prints the report of the risky example as JSON and exits 0, because it informs and does not block', () => {
    const run = qrebate('compliance', 'examples/risky-settings.json');
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as ComplianceReport;
    expect(Object.values(report.summary.byPattern).every((n) => n >= 1)).toBe(true);
    expect(report.summary.risks).toBe(report.findings.length);
    expect(report.findings.map((f) => f.rule)).toContain('programs.union.rewardBp');
    expect(report.findings[0]).toMatchObject({ pattern: 'multiLevelCommission', severity: 'high', rule: 'rewards.indirect' });
  });

  it('prints an empty report for the safe example and exits 0', () => {
    const run = qrebate('compliance', 'examples/safe-settings.json');
    expect(run.status).toBe(0);
    expect((JSON.parse(run.stdout) as ComplianceReport).summary.risks).toBe(0);
  });

  it('rejects invalid settings with the error code and message and exits 1', () => {
    const file = join(scratch, 'bad-settings.json');
    writeFileSync(file, JSON.stringify({ rewards: { maxDepth: 11 } }));
    const run = qrebate('compliance', file);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('INVALID_SETTINGS: rewards.maxDepth: must be 1 to 10');
  });

  it('asks for a settings file when none is given and exits 2', () => {
    const run = qrebate('compliance');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('compliance needs a settings file');
  });
});

describe('qrebate replay', () => {
  it('replays the first worked example of the spec, verifies it and exits 0', () => {
    const run = qrebate('replay', 'tests/golden/scenarios/spec-3.6-example-1.json');
    expect(run.status).toBe(0);
    expect((JSON.parse(run.stdout) as { verify: { ok: boolean } }).verify.ok).toBe(true);
  });
});

describe('qrebate help', () => {
  it('lists every command', () => {
    const run = qrebate('help');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/replay <scenario\.json>[\s\S]*compliance <settings\.json>/);
  });
});
