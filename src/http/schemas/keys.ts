import { Type } from 'typebox';
import { UuidS } from './common.js';

const Role = Type.Union([Type.Literal('hospital'), Type.Literal('cashier'), Type.Literal('ops'), Type.Literal('admin')]);

export const KeyCreateSchema = Type.Object(
  {
    label: Type.String({ minLength: 1, maxLength: 100 }),
    role: Role,
    hospitalCode: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 32 }), Type.Null()], { description: 'required for hospital and cashier keys, refused for ops and admin' })),
  },
  { additionalProperties: false, $id: 'KeyCreate' },
);

const keyFields = {
  id: UuidS,
  label: Type.String(),
  role: Role,
  hospitalCode: Type.Union([Type.String(), Type.Null()]),
  prefix: Type.String({ description: 'first characters of the key, to recognise it' }),
  createdAt: Type.String({ format: 'date-time' }),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
};

export const KeySchema = Type.Object(keyFields, { $id: 'ApiKey' });
export const KeyCreatedSchema = Type.Object({ ...keyFields, key: Type.String({ description: 'the key itself: shown this once, stored only as a SHA-256 digest' }) });
export const KeyListSchema = Type.Object({ items: Type.Array(KeySchema) });
export const KeyParamsSchema = Type.Object({ id: UuidS });
export const KeyRevocationSchema = Type.Object(
  { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'why the key is revoked: kept in the audit log' })) },
  { additionalProperties: false, $id: 'KeyRevocation' },
);

export const AuditQuerySchema = Type.Object(
  {
    targetType: Type.Optional(Type.String({ maxLength: 40 })),
    targetId: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  { additionalProperties: false },
);
export const AuditListSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      at: Type.String({ format: 'date-time' }),
      keyId: Type.Union([Type.String(), Type.Null()]),
      actor: Type.String(),
      action: Type.String(),
      targetType: Type.String(),
      targetId: Type.String(),
      detail: Type.Record(Type.String(), Type.Unknown()),
    }),
  ),
});
