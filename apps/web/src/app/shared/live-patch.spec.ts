import { resource } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { livePatch } from './live-patch';

describe('livePatch', () => {
  it('does not cancel a load that is under way: the resource loads again and ends with its answer', async () => {
    let loads = 0;
    const answers: ((value: { name: string }) => void)[] = [];
    const { data, patch } = TestBed.runInInjectionContext(() => {
      const data = resource({
        loader: () => new Promise<{ name: string }>((resolve) => answers.push(resolve) && loads++),
      });
      return { data, patch: livePatch(data) };
    });
    // Lets the loader's promise settle and the resource's effects run.
    const settle = async () => {
      for (let i = 0; i < 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        TestBed.tick();
      }
    };
    TestBed.tick();
    expect(data.isLoading()).toBe(true);

    patch((value) => ({ ...value, name: 'live' }));
    answers[0]({ name: 'first answer' });
    await settle();
    // It was loading when the update came: the answer may predate it, so it loaded again.
    expect(loads).toBe(2);
    answers[1]({ name: 'second answer' });
    await settle();
    expect(data.value()).toEqual({ name: 'second answer' });

    patch((value) => ({ ...value, name: 'live' }));
    expect(data.value()).toEqual({ name: 'live' });
  });
});
