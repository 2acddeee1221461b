import t from 'tap';
import { latency, levelLabels } from '../../bench/labels.js';

t.test('a level named again gets a label of its own, so its keys and visits are new', async (t) => {
  const label = levelLabels();
  t.equal(label('c32'), 'c32');
  t.equal(label('c8'), 'c8');
  t.equal(label('c32'), 'c32-2');
  t.equal(label('c32'), 'c32-3');
  t.equal(label('r1000'), 'r1000');
  t.equal(levelLabels()('c32'), 'c32', 'each bench run starts its own count');
});

t.test('a level that answered nothing prints a dash, not a crash', async (t) => {
  t.equal(latency(41.36), '41.4 ms');
  t.equal(latency(Number.NaN), '-');
  t.equal(latency(null), '-', 'NaN arrives from the load generator as null');
});
