/**
 * JSON text made once per object and remembered with it. A settlement's result is
 * serialized for the statement that stores it, and the same text is spliced into the
 * answer to the request that settled it (src/http/routes/settlements.ts) instead of
 * serializing the result a second time. An object given here must not change afterwards:
 * results are built once and only read.
 */
const texts = new WeakMap<object, string>();

/** JSON.stringify(value), made on the first call for this object and remembered. */
export function jsonText(value: object): string {
  let text = texts.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    texts.set(value, text);
  }
  return text;
}

/** The text jsonText made for this object, if it made one. */
export function rememberedJson(value: unknown): string | undefined {
  return value !== null && typeof value === 'object' ? texts.get(value) : undefined;
}
