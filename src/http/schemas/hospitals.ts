import { Type, type Static } from 'typebox';
import { DateS } from '../../domain/wire-schema.js';
import { CalendarDateS, NAME_PATTERN, UuidS } from './common.js';

const strict = { additionalProperties: false } as const;
const level = (description: string) => Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)], { description });
const Level = level('hospital level (一级/二级/三级)');
const Region = Type.String({ pattern: '^\\d{6}$', description: 'administrative division code' });
/** A name with something in it: a name of blanks only is refused. */
const NameS = Type.String({ minLength: 1, maxLength: 200, pattern: NAME_PATTERN, description: 'the hospital name as on its licence: at least one letter or digit, no control or format characters, no blank at either end' });
export const HospitalCodeS = Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$', description: 'designated hospital code' });

export const HospitalCreateSchema = Type.Object(
  {
    code: HospitalCodeS,
    name: NameS,
    level: Level,
    regionCode: Region,
    designatedFrom: CalendarDateS,
    designatedTo: Type.Optional(Type.Union([CalendarDateS, Type.Null()])),
  },
  { ...strict, $id: 'HospitalCreate' },
);
export type HospitalCreate = Static<typeof HospitalCreateSchema>;

export const HospitalChangeSchema = Type.Object(
  {
    effectiveFrom: CalendarDateS,
    designated: Type.Optional(Type.Boolean({
      description: 'false ends the designation the day before effectiveFrom (and takes no name, level or region); true designates again a hospital not designated on effectiveFrom; omitted: a change of a hospital designated on effectiveFrom',
    })),
    name: Type.Optional(NameS),
    level: Type.Optional(Level),
    regionCode: Type.Optional(Region),
  },
  { ...strict, $id: 'HospitalChange', description: 'closes the period covering effectiveFrom the day before and opens the next one; history is never rewritten' },
);
export type HospitalChange = Static<typeof HospitalChangeSchema>;

const PeriodSchema = Type.Object({ name: Type.String(), level: Level, regionCode: Type.String(), validFrom: DateS, validTo: Type.Union([DateS, Type.Null()]) });

export const HospitalSchema = Type.Object(
  {
    id: UuidS,
    code: Type.String(),
    name: Type.String({ description: 'as in the latest period, which may start after today (a scheduled change); periods hold the history' }),
    level: level('hospital level (一级/二级/三级) as in the latest period (see name)'),
    regionCode: Type.String({ description: 'as in the latest period (see name)' }),
    designatedFrom: DateS,
    designatedTo: Type.Union([DateS, Type.Null()]),
    periods: Type.Array(PeriodSchema, { description: 'designated periods, oldest first; a settlement uses the one covering its discharge date' }),
  },
  { $id: 'Hospital' },
);
export type Hospital = Static<typeof HospitalSchema>;

export const HospitalListSchema = Type.Object({ items: Type.Array(HospitalSchema) });
export const HospitalParamsSchema = Type.Object({ code: HospitalCodeS });
