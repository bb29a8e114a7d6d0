// ops/grafana-dashboard.json and ops/alerts.yaml: they parse, they have the panels and alerts operators
// rely on, and every metric they query is one src/ops/metrics.ts exports (a renamed metric would otherwise
// leave an empty panel or an alert that can never fire).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../../src/ops/metrics.js';

interface Dashboard {
  title: string;
  panels: { title: string; targets: { expr: string }[] }[];
}
interface Rules {
  groups: {
    name: string;
    rules: { alert: string; expr: string; for?: string; labels: { severity: string } }[];
  }[];
}

const dashboard = JSON.parse(readFileSync('ops/grafana-dashboard.json', 'utf8')) as Dashboard;
const rules = parse(readFileSync('ops/alerts.yaml', 'utf8')) as Rules;
/** Series Prometheus itself provides. */
const PROMETHEUS_OWN = new Set(['up']);

async function exported(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const m of await createMetrics().registry.getMetricsAsJSON()) {
    names.add(m.name);
    // Histograms and summaries are scraped as these series.
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

/** Metric names in a PromQL expression: identifiers not followed by `(` and not inside `{…}` or `[…]`. */
function metricsIn(expr: string): string[] {
  const bare = expr
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/"[^"]*"/g, '');
  const keywords = new Set(
    'by without and or unless on ignoring group_left group_right le bool offset sum avg min max count stddev stdvar topk bottomk quantile'.split(
      ' ',
    ),
  );
  return [...bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)]
    .map((m) => m[1]!)
    .filter((n) => !keywords.has(n) && !/^\d/.test(n) && !/^(outcome|fate|kind|instance|job)$/.test(n));
}

describe('ops files', () => {
  const dashExprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
  const alertExprs = rules.groups.flatMap((g) => g.rules.map((r) => r.expr));

  it('the metric extractor sees what a query uses (and would see a misspelt one)', () => {
    expect(metricsIn('sum by (le) (rate(metronome_block_duration_seconds_bucket{job=~"$job"}[5m]))')).toEqual(
      ['metronome_block_duration_seconds_bucket'],
    );
    expect(metricsIn('metronome_lag_blocks > 100 and deriv(metronome_lagg_blocks[15m]) > 0')).toEqual([
      'metronome_lag_blocks',
      'metronome_lagg_blocks',
    ]);
  });

  it('every metric the dashboard and the alerts query is exported', async () => {
    const names = await exported();
    const used = new Set([...dashExprs, ...alertExprs].flatMap(metricsIn));
    expect(used.size).toBeGreaterThan(10);
    const missing = [...used].filter((n) => !names.has(n) && !PROMETHEUS_OWN.has(n));
    expect(missing).toEqual([]);
  });

  it('the dashboard shows height, head, lag, blocks/s, tx outcomes, plays, collisions, retries, gaps, block duration, round trips', () => {
    const used = new Set(dashExprs.flatMap(metricsIn));
    for (const m of [
      'metronome_indexed_height',
      'metronome_chain_head',
      'metronome_lag_blocks',
      'metronome_blocks_indexed_total',
      'metronome_txs_total',
      'metronome_plays_total',
      'metronome_play_collisions_total',
      'metronome_retries_total',
      'metronome_block_gaps_total',
      'metronome_block_duration_seconds_bucket',
      'metronome_db_round_trips_total',
    ])
      expect(used).toContain(m);
    expect(dashExprs.some((e) => e.includes('rate(metronome_blocks_indexed_total'))).toBe(true);
  });

  it('the alerts cover lag growing, no progress, gaps, a halt and retry storms, each with a severity', () => {
    const byName = new Map(rules.groups.flatMap((g) => g.rules).map((r) => [r.alert, r]));
    for (const name of [
      'MetronomeLagGrowing',
      'MetronomeNoProgress',
      'MetronomeGapsRecorded',
      'MetronomeHalted',
      'MetronomeRetryStorm',
    ]) {
      const rule = byName.get(name);
      expect(rule, name).toBeDefined();
      expect(['warning', 'critical']).toContain(rule!.labels.severity);
      expect(rule!.expr.length).toBeGreaterThan(0);
    }
    expect(byName.get('MetronomeNoProgress')!.expr).toMatch(/metronome_indexed_height\[\d+m\]/);
    expect(byName.get('MetronomeGapsRecorded')!.expr).toContain('metronome_block_gaps_total');
  });
});
