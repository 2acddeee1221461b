import t from 'tap';
import { idCardProblem } from '../../src/services/id-card.js';
import { planImport, planImportInTurns, type ImportRow, type StoredWindow } from '../../src/services/identity-plan.js';

const A = '330302198505051236';
const B = '33030219750101007X';
const known = new Set(['dibao', 'tekun']);
const persons = new Map([[A, ['PA']], [B, ['PB']], ['330302199202024569', ['P1', 'P2']]]);
const row = (o: Partial<ImportRow> = {}): ImportRow => ({ idCard: A, category: 'dibao', validFrom: '2024-01-01', validTo: null, ...o });
const open2020: StoredWindow = { id: '7', personId: 'PA', category: 'dibao', validFrom: '2020-01-01', validTo: null };

t.test('GB 11643 MOD 11-2: valid numbers pass, a wrong check digit, a bad birth date or a bad shape is named', async (t) => {
  t.equal(idCardProblem(A), null);
  t.equal(idCardProblem(B), null);
  t.equal(idCardProblem(B.toLowerCase()), null, 'lower-case x is accepted');
  t.match(idCardProblem('330302198505051237'), /check digit is 7, GB 11643 MOD 11-2 gives 6/);
  t.match(idCardProblem('330302198502301234'), /birth date 1985-02-30/);
  t.match(idCardProblem('12345'), /17 digits/);
});

t.test('each row is checked; the first problem of a row is reported with its row number', async (t) => {
  const plan = planImport(
    [
      row({ idCard: '330302198505051237' }),
      row({ category: 'vip' }),
      row({ validFrom: '2024-05-01', validTo: '2024-04-30' }),
      row({ idCard: '110101199003070000'.slice(0, 17) + '0' }),
      row({ idCard: '330302199202024569' }),
      row({ validFrom: '2024-02-30' }),
      row({ idCard: B }),
    ],
    known, persons, [],
  );
  t.same(plan.errors.map((e) => [e.row, e.code]), [[1, 'ID_CARD_INVALID'], [2, 'UNKNOWN_CATEGORY'], [3, 'WINDOW_INVERTED'], [4, 'ID_CARD_INVALID'], [5, 'AMBIGUOUS_PERSON'], [6, 'ROW_INVALID']]);
  t.same(plan.inserts, [{ personId: 'PB', category: 'dibao', validFrom: '2024-01-01', validTo: null }]);
});

t.test('rows of one file overlapping for the same person and category are refused; other categories may overlap', async (t) => {
  const plan = planImport([row({ validTo: '2024-12-31' }), row({ validFrom: '2024-06-01' }), row({ category: 'tekun' })], known, persons, []);
  t.same(plan.errors.map((e) => [e.row, e.code]), [[2, 'WINDOW_OVERLAP']]);
  t.match(plan.errors[0]!.message, /row 1/);
});

t.test('a later start closes the open window the day before; the same start with an end closes it at that end', async (t) => {
  const later = planImport([row({ validFrom: '2024-03-01' })], known, persons, [open2020]);
  t.same(later.closes, [{ id: '7', validTo: '2024-02-29' }]);
  t.same(later.inserts, [{ personId: 'PA', category: 'dibao', validFrom: '2024-03-01', validTo: null }]);
  const ended = planImport([row({ validFrom: '2020-01-01', validTo: '2024-06-30' })], known, persons, [open2020]);
  t.same(ended.closes, [{ id: '7', validTo: '2024-06-30' }]);
  t.same(ended.inserts, []);
});

t.test('a window already stored is unchanged; overlapping a closed or later window is refused', async (t) => {
  t.same(planImport([row({ validFrom: '2020-01-01' })], known, persons, [open2020]), { errors: [], inserts: [], closes: [], unchanged: 1 });
  const closed: StoredWindow = { ...open2020, validTo: '2023-12-31' };
  const r = planImport([row({ validFrom: '2023-06-01' })], known, persons, [closed]);
  t.same(r.errors.map((e) => e.code), ['WINDOW_OVERLAP']);
  t.match(r.errors[0]!.message, /2020-01-01\.\.2023-12-31/);
  t.same(planImport([row({ validFrom: '2019-01-01' })], known, persons, [open2020]).errors.map((e) => e.code), ['WINDOW_OVERLAP'], 'starting before an open window');
});

t.test('dates outside the years the engine and the JSON schema accept are refused here too (CSV rows bypass the schema)', async (t) => {
  const plan = planImport(
    [row({ validFrom: '0001-01-15' }), row({ validFrom: '9999-12-15' }), row({ validFrom: '2024-01-01', validTo: '2201-01-01' }), row({ idCard: B, validFrom: '2000-01-01', validTo: '2200-12-31' })],
    known, persons, [],
  );
  t.same(plan.errors.map((e) => [e.row, e.code, e.field]), [[1, 'ROW_INVALID', 'validFrom'], [2, 'ROW_INVALID', 'validFrom'], [3, 'ROW_INVALID', 'validTo']]);
  t.match(plan.errors[0]!.message, /years 2000–2200/);
  t.same(plan.inserts, [{ personId: 'PB', category: 'dibao', validFrom: '2000-01-01', validTo: '2200-12-31' }], 'the edges of the range are fine');
});

t.test('planImportInTurns: the same plan as planImport, pausing between slices of rows and of groups', async (t) => {
  // 5,000 persons, each with a row that opens a window, one that repeats a stored one, a few in error.
  const cards = Array.from({ length: 5_000 }, (_, i) => {
    const body = `3303021985${String(101 + (i % 28)).padStart(4, '0')}${String(i % 1000).padStart(3, '0')}`.slice(0, 17);
    const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    return body + '10X98765432'[[...body].reduce((a, c, k) => a + Number(c) * w[k]!, 0) % 11];
  });
  const unique = [...new Set(cards)];
  const byCard = new Map(unique.map((c, i) => [c, [`P${i}`]]));
  const stored: StoredWindow[] = unique.map((_, i) => ({ id: String(i), personId: `P${i}`, category: 'tekun', validFrom: '2020-01-01', validTo: null }));
  const rows: ImportRow[] = unique.flatMap((c, i) => [
    row({ idCard: c, validFrom: '2024-01-01' }),
    row({ idCard: c, category: 'tekun', validFrom: i % 3 === 0 ? '2024-07-01' : '2020-01-01' }),
    ...(i % 500 === 0 ? [row({ idCard: c, category: 'nope' })] : []),
  ]);
  let turns = 0;
  const inTurns = await planImportInTurns(async () => void turns++, rows, known, byCard, stored);
  t.same(inTurns, planImport(rows, known, byCard, stored), 'the same plan');
  t.ok(inTurns.inserts.length > 0 && inTurns.closes.length > 0 && inTurns.unchanged > 0 && inTurns.errors.length > 0, 'of every kind');
  t.ok(turns >= Math.floor(rows.length / 1024) + Math.floor(unique.length * 2 / 1024), `paused between slices (${turns} pauses for ${rows.length} rows)`);
});
