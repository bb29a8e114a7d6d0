// SVG charts rendered in Node with vega-lite (no browser), linked from the README.
import { writeFileSync } from 'node:fs';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

async function svg(spec: TopLevelSpec, file: string): Promise<void> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  writeFileSync(file, await view.toSVG());
}

interface Results {
  backfill: Record<string, unknown>;
  challengeTick: { sizes: { userEvents: number; tickMs: number }[] };
  cooldown: { probes: { rows: number; containsMeanMs: number; anyMeanMs: number }[] };
}

interface BackfillFigure {
  ours: { blocksPerSec: number; rowsPerSec: number };
  limit: { rowsPerSec: number };
  naive: { blocksPerSec: number; oursBlocksPerSec: number };
}

/** Bars per workload, one per series side by side (series in the order `values` gives them), on a log scale. */
function pairedBars(
  title: string,
  unit: string,
  workloads: readonly [string, BackfillFigure][],
  values: (f: BackfillFigure) => Record<string, number>,
): TopLevelSpec {
  return {
    title,
    width: 360,
    data: {
      values: workloads.flatMap(([workload, f]) =>
        Object.entries(values(f)).map(([series, value]) => ({ workload, series, value })),
      ),
    },
    mark: 'bar',
    encoding: {
      x: { field: 'workload', type: 'nominal' },
      xOffset: { field: 'series' },
      y: { field: 'value', type: 'quantitative', scale: { type: 'log' }, title: unit },
      color: { field: 'series' },
    },
  };
}

export async function renderCharts(r: Results, dir: string): Promise<void> {
  const workloads = Object.entries(r.backfill).filter(
    ([, v]) => typeof v === 'object' && v !== null && 'ours' in v,
  ) as [string, BackfillFigure][];
  await svg(
    pairedBars('Backfill: rows written per second (log scale)', 'rows/s', workloads, (f) => ({
      metronome: f.ours.rowsPerSec,
      'COPY limit': f.limit.rowsPerSec,
    })),
    `${dir}/backfill-vs-copy.svg`,
  );
  await svg(
    pairedBars(
      'Backfill: blocks per second, ours vs the naive port (same blocks)',
      'blocks/s',
      workloads,
      (f) => ({
        metronome: f.naive.oursBlocksPerSec,
        naive: f.naive.blocksPerSec,
      }),
    ),
    `${dir}/backfill-vs-naive.svg`,
  );
  await svg(
    {
      title: 'Challenge tick (100 dirty users) vs user_events size',
      width: 360,
      data: { values: r.challengeTick.sizes },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'userEvents', type: 'quantitative', scale: { type: 'log' } },
        y: { field: 'tickMs', type: 'quantitative', title: 'ms' },
      },
    },
    `${dir}/challenge-tick.svg`,
  );
  await svg(
    {
      title: 'Cooldown probe per row: @> + partial GIN vs = ANY (log scale)',
      width: 360,
      data: {
        values: r.cooldown.probes.flatMap((p) => [
          { rows: p.rows, series: '@> (partial GIN)', ms: p.containsMeanMs },
          { rows: p.rows, series: '= ANY', ms: p.anyMeanMs },
        ]),
      },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'rows', type: 'quantitative', scale: { type: 'log' }, title: 'notification rows' },
        y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'ms per row' },
        color: { field: 'series' },
      },
    },
    `${dir}/cooldown.svg`,
  );
}
