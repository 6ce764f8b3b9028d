import t from 'tap';
import { BusyBudget } from '../adapters/http/busy-budget.js';

t.test('work within the burst is not paused; beyond it the pause keeps the work within its share', async (t) => {
  const budget = new BusyBudget(0.05);
  t.equal(budget.spend(2), 0, 'a small piece of work runs on');
  const pause = budget.spend(100);
  // Debt is ~102 ms of work; beyond the 5 ms burst that is ~97 ms, repaid at 0.05 ms per ms.
  t.ok(pause > 1900 && pause <= 1940, `pause ${pause} ms`);
});

t.test('work while nothing competes is free, and debt drains with time', async (t) => {
  let contended = false;
  const budget = new BusyBudget(0.5, () => contended);
  t.equal(budget.spend(1000), 0, 'uncontended work never pauses');
  contended = true;
  t.equal(budget.spend(4), 0, 'the uncontended second did not leave debt behind');
  const first = budget.spend(20);
  t.ok(first > 0, 'contended work beyond the burst pauses');
  await new Promise((r) => setTimeout(r, 30));
  t.ok(budget.spend(0) < first - 10, 'waiting repays debt');
});

t.test('run() measures the work, returns its result and waits the pause it earned', async (t) => {
  const budget = new BusyBudget(1, () => true, 0);
  const started = performance.now();
  const result = await budget.run(() => {
    const until = performance.now() + 15;
    while (performance.now() < until);
    return 42;
  });
  t.equal(result, 42);
  t.ok(performance.now() - started >= 29, 'a share of 1 pauses as long as the work took');
});

t.test('a share outside (0, 1] is refused', async (t) => {
  t.throws(() => new BusyBudget(0), RangeError);
  t.throws(() => new BusyBudget(1.5), RangeError);
  t.throws(() => new BusyBudget(Number.NaN), RangeError);
});
