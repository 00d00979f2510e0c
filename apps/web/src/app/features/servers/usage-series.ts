import type { MetricPointFragment } from '../../core/graphql/generated/graphql';
import type { ChartSeries } from '../../shared/time-chart';

function percent(used: number | null | undefined, total: number | null | undefined): number | null {
  return used == null || !total ? null : (used / total) * 100;
}

/** CPU, memory and disk use as percentages, one list per line, from `serverMetrics` points. */
export function usageSeries(points: readonly MetricPointFragment[]): { times: number[]; series: ChartSeries[] } {
  return {
    times: points.map((p) => Date.parse(p.at)),
    series: [
      { label: 'CPU', values: points.map((p) => p.cpuPercent ?? null) },
      { label: 'Memory', values: points.map((p) => percent(p.memoryUsedBytes, p.memoryTotalBytes)) },
      { label: 'Disk', values: points.map((p) => percent(p.diskUsedBytes, p.diskTotalBytes)) },
    ],
  };
}
