import { interval } from './schedules.page';

describe('interval', () => {
  it('says a schedule interval in whole hours, minutes or seconds', () => {
    expect(interval(86_400)).toBe('24 h');
    expect(interval(3_600)).toBe('1 h');
    expect(interval(300)).toBe('5 min');
    expect(interval(90)).toBe('90 s');
  });
});
