import { Type, type Static } from 'typebox';

/**
 * A version's dates as stored. New versions keep to 2000–2200 (policy-admin.ts); one
 * stored before that check may lie outside, and must still be listed.
 */
const StoredDateS = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'ISO date; versions added since 2026-12-03 have years 2000–2200' });

export const PolicyPackBodySchema = Type.Object({}, {
  additionalProperties: true,
  $id: 'PolicyPackBody',
  description: "a policy pack, validated by the engine's loader (schema, semantics, citations); errors name the JSON path and the problem",
});

export const PolicyVersionSchema = Type.Object(
  {
    id: Type.String(),
    region: Type.String(),
    version: Type.String(),
    effectiveFrom: StoredDateS,
    effectiveTo: Type.Union([StoredDateS, Type.Null()]),
    contentHash: Type.String(),
    origin: Type.String({ description: 'bundled:<id> or api:<key id>' }),
    loadedAt: Type.String({ format: 'date-time' }),
    used: Type.Boolean({ description: 'a settlement used this version: it can never change' }),
  },
  { $id: 'PolicyVersion' },
);
export type PolicyVersion = Static<typeof PolicyVersionSchema>;

export const PolicyVersionWithPackSchema = Type.Intersect([PolicyVersionSchema, Type.Object({ pack: Type.Unknown() })]);
export const PolicyListSchema = Type.Object({ items: Type.Array(PolicyVersionSchema) });
export const PolicyListQuerySchema = Type.Object({ region: Type.Optional(Type.String({ pattern: '^\\d{6}$' })) }, { additionalProperties: false });
export const PolicyParamsSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
