// The alert rules shipped in ops/prometheus, as an operator would check them before loading
// them: `promtool check rules` accepts them, `promtool test rules` runs their unit tests
// (ops/prometheus/alerts.test.yml: each alert fires on the series it is about, and stays quiet
// on healthy ones), and the example Prometheus configuration that loads them is valid.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/temporal.js';

const dir = join(repoRoot, 'ops/prometheus');

function promtool(args: string[]) {
  const run = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('the alert rules in ops/prometheus', () => {
  it('pass promtool check rules: six rules', () => {
    const checked = promtool(['check', 'rules', 'alerts.yml']);
    expect(checked.status, checked.output).toBe(0);
    expect(checked.output).toContain('SUCCESS: 6 rules found');
  });

  it('pass their unit tests (promtool test rules)', () => {
    const tested = promtool(['test', 'rules', 'alerts.test.yml']);
    expect(tested.status, tested.output).toBe(0);
    expect(tested.output).toContain('SUCCESS');
  });

  it('every alert has a unit test', () => {
    const alerts = [...readFileSync(join(dir, 'alerts.yml'), 'utf8').matchAll(/- alert: (\w+)/g)];
    const tests = readFileSync(join(dir, 'alerts.test.yml'), 'utf8');
    for (const [, name] of alerts) expect(tests, name).toContain(`alertname: ${name}`);
  });

  it('are loaded by the example prometheus.yml, which promtool check config accepts', () => {
    const checked = promtool(['check', 'config', 'prometheus.yml']);
    expect(checked.status, checked.output).toBe(0);
    expect(checked.output).toContain('SUCCESS: 1 rule files found');
  });
});
