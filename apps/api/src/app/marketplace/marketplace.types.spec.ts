import { AppEnvVarModel } from './marketplace.types';

describe('AppEnvVarModel', () => {
  it('never shows the default value of a secret variable', () => {
    const base = { description: '', required: false };
    expect(
      AppEnvVarModel.of({
        ...base,
        name: 'DB_PASSWORD',
        secret: true,
        defaultValue: 'changeme',
      }),
    ).toMatchObject({
      name: 'DB_PASSWORD',
      secret: true,
      defaultValue: null,
    });
    expect(
      AppEnvVarModel.of({
        ...base,
        name: 'TZ',
        secret: false,
        defaultValue: 'UTC',
      }),
    ).toMatchObject({ secret: false, defaultValue: 'UTC' });
  });
});
