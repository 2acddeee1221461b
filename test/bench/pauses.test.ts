import t from 'tap';
import { PAUSE_MS, pausesIn } from '../../bench/pauses.js';

t.test('pauses are gaps between answers longer than PAUSE_MS, whatever order the times come in', async (t) => {
  t.equal(PAUSE_MS, 40);
  t.same(pausesIn([]), { pauses: 0, longest: 0 }, 'no answers, no gaps');
  t.same(pausesIn([5]), { pauses: 0, longest: 0 });
  t.same(pausesIn([0, 1, 2, 42.5, 43, 83, 200]), { pauses: 2, longest: 117 }, '40.5 and 117 are pauses; a gap of exactly 40 is not');
  t.same(pausesIn([200, 0, 43, 2, 1, 83, 42.5]), { pauses: 2, longest: 117 }, 'answers need not arrive sorted');
});
