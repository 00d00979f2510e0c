import { absoluteTime } from './time';

describe('absoluteTime', () => {
  const afternoon = new Date(2026, 0, 1, 15, 4, 5);

  it('shows the hours the way the user chose', () => {
    expect(absoluteTime(afternoon, 'H24')).toContain('15:04:05');
    expect(absoluteTime(afternoon, 'H12')).toMatch(/\b3:04:05\b/);
    expect(absoluteTime(afternoon, 'H12')).not.toContain('15:04');
  });

  it('leaves the clock to the locale under SYSTEM', () => {
    const locale = new Intl.DateTimeFormat(undefined, {
      dateStyle: 'medium',
      timeStyle: 'medium',
    }).format(afternoon);
    expect(absoluteTime(afternoon, 'SYSTEM')).toBe(locale);
  });
});
