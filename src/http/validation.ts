import AjvCompiler from '@fastify/ajv-compiler';

/**
 * Fastify's validator compiler (@fastify/ajv-compiler, as Fastify builds it by default)
 * with one difference: request bodies are validated without type coercion. Query
 * strings, path parameters and headers arrive as text and are still coerced to the
 * types their schemas declare (`limit=50` → 50). A JSON body, though, says what it means:
 * `"referral": "false"`, `"level": "2"`, `"reason": ["…"]` or a single line object where
 * `lines` is an array were all silently converted before; a HIS integration sending them
 * has a bug it should hear of at once (400 VALIDATION_FAILED naming the field), not a
 * settlement computed from a guess.
 */
export function buildValidator(): AjvCompiler.ValidatorFactory {
  const coercing = AjvCompiler();
  const exact = AjvCompiler();
  return (externalSchemas, options) => {
    const text = coercing(externalSchemas, options);
    const json = exact(externalSchemas, { ...options, customOptions: { ...options?.customOptions, coerceTypes: false } } as typeof options);
    return (route) => (route.httpPart === 'body' ? json : text)(route);
  };
}
