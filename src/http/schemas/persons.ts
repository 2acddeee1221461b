import { Type, type Static } from 'typebox';
import { DateS } from '../../domain/wire-schema.js';
import { NAME_PATTERN } from './common.js';

const strict = { additionalProperties: false } as const;
const Scheme = Type.Union([Type.Literal('urban_rural_resident'), Type.Literal('employee')]);

export const PersonCreateSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'insured person id (参保人编号)' }),
    name: Type.String({ minLength: 1, maxLength: 100, pattern: NAME_PATTERN, description: 'at least one letter or digit, no control or format characters, no blank at either end' }),
    idCard: Type.String({ minLength: 15, maxLength: 18, description: 'resident ID-card number (GB 11643, checked); an old 15-digit number is stored as the 18-character one that replaced it' }),
    insuredRegion: Type.String({ pattern: '^\\d{6}$' }),
    scheme: Scheme,
  },
  { ...strict, $id: 'PersonCreate' },
);
export type PersonCreate = Static<typeof PersonCreateSchema>;

const IdentitySchema = Type.Object({
  category: Type.String(),
  validFrom: DateS,
  validTo: Type.Union([DateS, Type.Null()]),
  source: Type.String(),
  batch: Type.Union([Type.String(), Type.Null()]),
  closedBatch: Type.Union([Type.String(), Type.Null()], { description: 'the import that closed this window, if one did' }),
});

export const PersonSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    idCard: Type.String(),
    insuredRegion: Type.String(),
    scheme: Scheme,
    identities: Type.Array(IdentitySchema, { description: 'every window ever recorded, oldest first; closed windows stay' }),
  },
  { $id: 'Person' },
);
export type Person = Static<typeof PersonSchema>;

export const PersonLookupQuerySchema = Type.Object({ idCard: Type.String({ minLength: 1, maxLength: 32 }) }, strict);

/** What a hospital's HIS is told about a patient: enough to settle, nothing more. */
export const PersonLookupSchema = Type.Object(
  {
    items: Type.Array(
      Type.Object({
        personId: Type.String(),
        name: Type.String({ description: 'masked: 张*丰' }),
        categories: Type.Array(Type.Object({ category: Type.String(), validFrom: DateS, validTo: Type.Union([DateS, Type.Null()]) }), {
          description: 'identities valid today (a pack that defers new identities to the next month is applied)',
        }),
      }),
    ),
  },
  { $id: 'PersonLookup' },
);
export type PersonLookup = Static<typeof PersonLookupSchema>;

export const PersonIdParamsSchema = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });
