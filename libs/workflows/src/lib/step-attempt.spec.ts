import { RunOutputs } from './step-attempt';
import { defineWorkflow } from './workflow-definition';

describe('RunOutputs', () => {
  const workflow = defineWorkflow({ kind: 'test.outputs' });
  const first = workflow.step('first', { run: async () => ({ n: 1 }) });
  const skipped = workflow.step('skipped', { run: async (ctx) => ctx.skip('nothing to do') });
  const last = workflow.step('last', { run: async () => ({ n: 3 }) });
  const other = defineWorkflow({ kind: 'test.other' }).step('first', { run: async () => ({ n: 9 }) });

  it('reads the outputs of earlier steps by their handles; a skipped one has none', () => {
    const outputs = new RunOutputs(workflow);
    outputs.set('first', { n: 1 });
    expect(outputs.readerFor(2).output(first)).toEqual({ n: 1 });
    expect(outputs.readerFor(2).output(skipped)).toBeUndefined();
  });

  it('refuses a read of the step itself, a later one, or a step of another workflow of the same name', () => {
    const outputs = new RunOutputs(workflow);
    outputs.set('first', { n: 1 });
    expect(() => outputs.readerFor(0).output(first)).toThrow(
      'Step "first" of workflow "test.outputs" reads step "first", which does not come before it',
    );
    expect(() => outputs.readerFor(1).output(last)).toThrow('reads step "last", which does not come before it');
    expect(() => outputs.readerFor(3).output(other)).toThrow(
      'The result of workflow "test.outputs" reads step "first"',
    );
  });
});
