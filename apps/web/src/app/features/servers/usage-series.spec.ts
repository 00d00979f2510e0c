import { usageSeries } from './usage-series';

describe('usageSeries', () => {
  it('turns metrics into CPU, memory and disk percentages, with gaps where a value is missing', () => {
    const { times, series } = usageSeries([
      {
        at: '2026-12-01T10:00:00.000Z',
        cpuPercent: 12.5,
        memoryUsedBytes: 1,
        memoryTotalBytes: 4,
        diskUsedBytes: 30,
        diskTotalBytes: 120,
      },
      {
        at: '2026-12-01T10:01:00.000Z',
        cpuPercent: null,
        memoryUsedBytes: 2,
        memoryTotalBytes: 0,
        diskUsedBytes: null,
        diskTotalBytes: 120,
      },
    ]);
    expect(times).toEqual([Date.parse('2026-12-01T10:00:00.000Z'), Date.parse('2026-12-01T10:01:00.000Z')]);
    expect(series).toEqual([
      { label: 'CPU', values: [12.5, null] },
      { label: 'Memory', values: [25, null] },
      { label: 'Disk', values: [25, null] },
    ]);
  });
});
