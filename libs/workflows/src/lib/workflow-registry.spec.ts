import { WorkflowRegistry } from './workflow-registry';

const step = (name: string) => ({ name, run: async () => null });

describe('WorkflowRegistry', () => {
  it('refuses a kind registered twice, a workflow without steps and duplicate step names', () => {
    const registry = new WorkflowRegistry();
    registry.register({ kind: 'a', steps: [step('x')] });
    expect(() => registry.register({ kind: 'a', steps: [step('y')] })).toThrow('Workflow "a" is registered twice');
    expect(() => registry.register({ kind: 'b', steps: [] })).toThrow('Workflow "b" has no steps');
    expect(() => registry.register({ kind: 'c', steps: [step('x'), step('x')] })).toThrow(
      'Workflow "c" has two steps named "x"',
    );
  });

  it('checks at boot that exactly the expected kinds have a definition', () => {
    const registry = new WorkflowRegistry();
    registry.register({ kind: 'a', steps: [step('x')] });
    registry.register({ kind: 'stray', steps: [step('x')] });
    expect(() => registry.assertExactly(['a', 'b'])).toThrow(
      'Workflow registry check failed: no workflow registered for b; workflows registered for unknown job kinds stray',
    );
    expect(() => registry.assertExactly(['a', 'stray'])).not.toThrow();
  });

  it('allows one mutating workflow per server unless told otherwise', async () => {
    const registry = new WorkflowRegistry();
    expect(await registry.serverConcurrency('s')).toBe(1);
    registry.setServerConcurrency((id) => (id === 'big' ? 3 : 1));
    expect(await registry.serverConcurrency('big')).toBe(3);
  });
});
