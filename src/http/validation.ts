import AjvCompiler from '@fastify/ajv-compiler';

/**
 * Fastify's validator compiler (@fastify/ajv-compiler, as Fastify builds it by default)
 * with two differences:
 * - request bodies are validated without type coercion. Query strings, path parameters
 *   and headers arrive as text and are still coerced to the types their schemas declare
 *   (`limit=50` → 50). A JSON body, though, says what it means: `"referral": "false"`,
 *   `"level": "2"`, `"reason": ["…"]` or a single line object where `lines` is an array
 *   were all silently converted before; a HIS integration sending them has a bug it
 *   should hear of at once (400 VALIDATION_FAILED naming the field), not a settlement
 *   computed from a guess.
 * - an integer in a query string, path or header (a property that takes whole numbers
 *   only: see wholeNumbersOnly) must be written in decimal digits (an optional minus
 *   sign, nothing else). Ajv's coercion takes whatever JavaScript's
 *   Number() reads as a whole number: `0x10`, `1e1`, `10.0`, `+5` and ` 10` all passed
 *   as integers before.
 */
export function buildValidator(): AjvCompiler.ValidatorFactory {
  const coercing = AjvCompiler();
  const exact = AjvCompiler();
  return (externalSchemas, options) => {
    const text = coercing(externalSchemas, options);
    const json = exact(externalSchemas, { ...options, customOptions: { ...options?.customOptions, coerceTypes: false } } as typeof options);
    return (route) => (route.httpPart === 'body' ? json(route) : digitsForIntegers(route.schema, text(route)));
  };
}

const DIGITS = /^-?[0-9]+$/;

type Validate = ReturnType<ReturnType<AjvCompiler.ValidatorFactory>>;

interface PropertySchema {
  type?: unknown;
  const?: unknown;
  enum?: unknown;
  anyOf?: PropertySchema[];
  oneOf?: PropertySchema[];
}

/**
 * Whether a property's schema takes whole numbers only (and perhaps null): an integer,
 * a number that must be an integer constant or one of integer values, or a union of
 * such (TypeBox writes `Type.Union([Type.Literal(48), Type.Literal(80)])` as an anyOf of
 * number constants). A schema that also takes text or fractions is left to Ajv.
 */
function wholeNumbersOnly(p: PropertySchema): boolean {
  const branches = p.anyOf ?? p.oneOf;
  if (branches) {
    const numeric = branches.filter((b) => b.type !== 'null');
    return numeric.length > 0 && numeric.every(wholeNumbersOnly);
  }
  const types = Array.isArray(p.type) ? p.type.filter((t) => t !== 'null') : [p.type];
  if (types.length === 1 && types[0] === 'integer') return true;
  if (types.length === 1 && types[0] === 'number') {
    if (Number.isInteger(p.const)) return true;
    return Array.isArray(p.enum) && p.enum.length > 0 && p.enum.every((v) => Number.isInteger(v));
  }
  return false;
}

/** The top-level properties of an object schema that take whole numbers only. */
function integerProperties(schema: unknown): string[] {
  const props = (schema as { properties?: Record<string, PropertySchema> } | null)?.properties;
  if (!props) return [];
  return Object.entries(props)
    .filter(([, p]) => wholeNumbersOnly(p))
    .map(([name]) => name);
}

/** `validate`, after a check that each integer property still in text is decimal digits. */
function digitsForIntegers(schema: unknown, validate: Validate): Validate {
  const names = integerProperties(schema);
  if (names.length === 0) return validate;
  const checked = ((data: unknown) => {
    if (data !== null && typeof data === 'object') {
      for (const name of names) {
        const v = (data as Record<string, unknown>)[name];
        if (typeof v === 'string' && !DIGITS.test(v)) {
          checked.errors = [{ keyword: 'type', instancePath: `/${name}`, schemaPath: `#/properties/${name}/type`, params: { type: 'integer' }, message: 'must be an integer in decimal digits' }];
          return false;
        }
      }
    }
    const ok = validate(data);
    checked.errors = validate.errors;
    return ok;
  }) as Validate;
  return checked;
}
