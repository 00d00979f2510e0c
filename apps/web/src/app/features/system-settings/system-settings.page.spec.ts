import { settingsErrors } from './system-settings.page';

describe('settingsErrors', () => {
  it("splits the API's BAD_USER_INPUT into a message per field, schedules by name", () => {
    expect(
      settingsErrors(
        'jobRetentionDays: must be between 1 and 3650 days; diskLowPercent: must be a whole number of percent',
      ),
    ).toEqual(
      new Map([
        ['jobRetentionDays', 'must be between 1 and 3650 days'],
        ['diskLowPercent', 'must be a whole number of percent'],
      ]),
    );
    expect(
      settingsErrors('schedules prune-jobs: everySeconds must be a whole number from 10 to 2592000 (got 5)'),
    ).toEqual(new Map([['schedule:prune-jobs', 'everySeconds must be a whole number from 10 to 2592000 (got 5)']]));
  });

  it('names no field for a message about none', () => {
    expect(settingsErrors('Settings could not be saved').size).toBe(0);
  });
});
