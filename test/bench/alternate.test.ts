import t from 'tap';
import { AlternateSpecError, parseAlternate, sideAt } from '../../bench/alternate.js';

t.test('a spec names two sides of queue and server settings', async (t) => {
  t.same(parseAlternate('SETTLE_WORKERS=2|SETTLE_WORKERS=3'), [
    { label: 'SETTLE_WORKERS=2', queue: { workers: 2 }, server: [] },
    { label: 'SETTLE_WORKERS=3', queue: { workers: 3 }, server: [] },
  ]);
  t.same(parseAlternate(' SETTLE_GATHER_MS=0.5, SETTLE_BATCH_MAX=16, pg.wal_sync_method=open_datasync | SETTLE_BATCH_MAX=8,SETTLE_GATHER_MS=1,pg.wal_sync_method=fdatasync'), [
    { label: 'SETTLE_GATHER_MS=0.5, SETTLE_BATCH_MAX=16, pg.wal_sync_method=open_datasync', queue: { gatherMs: 0.5, maxBatch: 16 }, server: [['wal_sync_method', 'open_datasync']] },
    { label: 'SETTLE_BATCH_MAX=8,SETTLE_GATHER_MS=1,pg.wal_sync_method=fdatasync', queue: { maxBatch: 8, gatherMs: 1 }, server: [['wal_sync_method', 'fdatasync']] },
  ]);
});

t.test('a spec that cannot be followed is refused with a message that says why', async (t) => {
  const refused: Array<[string, RegExp]> = [
    ['SETTLE_WORKERS=2', /two settings separated by one "\|" \(got 0\)/],
    ['SETTLE_WORKERS=2|SETTLE_WORKERS=3|SETTLE_WORKERS=4', /got 2/],
    ['SETTLE_WORKERS=2|SETTLE_BATCH_MAX=4', /both sides must name the same settings \(workers against maxBatch\)/],
    ['|SETTLE_WORKERS=2', /\(none against workers\)/],
    ['SETTLE_WORKERS=0|SETTLE_WORKERS=3', /SETTLE_WORKERS must be a whole number from 1 to 64 \(got "0"\)/],
    ['SETTLE_WORKERS=2.5|SETTLE_WORKERS=3', /whole number/],
    ['SETTLE_WORKERS=0x2|SETTLE_WORKERS=3', /whole number/],
    ['SETTLE_GATHER_MS=51|SETTLE_GATHER_MS=1', /SETTLE_GATHER_MS must be a number from 0 to 50/],
    ['DB_POOL_MAX=4|DB_POOL_MAX=8', /DB_POOL_MAX is none of SETTLE_WORKERS, SETTLE_BATCH_MAX, SETTLE_GATHER_MS or pg.<setting>/],
    ['SETTLE_WORKERS|SETTLE_WORKERS=3', /"SETTLE_WORKERS" is not NAME=value/],
    ["pg.work_mem=4MB'; DROP TABLE x --|pg.work_mem=4MB", /is not a server setting/],
    ['pg.Work_Mem=4MB|pg.Work_Mem=8MB', /is not a server setting/],
  ];
  for (const [spec, message] of refused) t.throws(() => parseAlternate(spec), message, spec);
  t.throws(() => parseAlternate('x'), AlternateSpecError);
});

t.test('the side in force follows the clock from the level start, A first', async (t) => {
  t.equal(sideAt(1000, 1000, 300), 0);
  t.equal(sideAt(1299.9, 1000, 300), 0);
  t.equal(sideAt(1300, 1000, 300), 1);
  t.equal(sideAt(1599, 1000, 300), 1);
  t.equal(sideAt(1600, 1000, 300), 0);
  t.equal(sideAt(999, 1000, 300), 0, 'before the start: A');
});
