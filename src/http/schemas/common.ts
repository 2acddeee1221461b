import { Type } from 'typebox';
import { isCalendarDate } from '../../domain/index.js';
import { DateS } from '../../domain/wire-schema.js';

/**
 * A civil date the service will compare or store: the engine's YYYY-MM-DD shape plus
 * `format: date`, checked against the calendar (no 2026-02-30, no 2025-02-29). Without
 * it an impossible date reached PostgreSQL and came back a 500. Used for every date a
 * request carries; responses keep the plain DateS.
 */
export const CalendarDateS = Type.String({ ...DateS, format: 'date' });

/**
 * Ajv plugin: `format: date` means the engine's isCalendarDate (years 2000–2200, as the
 * ledger and the database CHECKs allow), so the HTTP boundary and the engine agree on
 * what a date is. It replaces ajv-formats' own `date`, which fastify installs first.
 */
export function calendarDateFormat<A extends { addFormat(name: string, format: { type: 'string'; validate: (s: string) => boolean }): A }>(ajv: A): A {
  return ajv.addFormat('date', { type: 'string', validate: (s: string) => isCalendarDate(s) });
}

/**
 * A UUID as PostgreSQL's uuid type reads it: ajv-formats' `uuid` alone also accepts a
 * `urn:uuid:` prefix, which reached PostgreSQL and came back as its own error text.
 */
export const UuidS = Type.String({ format: 'uuid', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });

/**
 * A name as the registry stores it (hospitals, persons): at least one letter or digit
 * (a name of spaces, U+3000 or zero-width spaces is none), no control or format
 * characters (a newline, U+202E reversing the text around it), no blank at either end
 * (two names differing only there look the same on a slip).
 */
export const NAME_PATTERN = '^(?=[^]*[\\p{L}\\p{N}])[^\\p{Cc}\\p{Cf}\\s](?:[^\\p{Cc}\\p{Cf}]*[^\\p{Cc}\\p{Cf}\\s])?$';
