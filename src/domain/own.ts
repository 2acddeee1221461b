/**
 * `record[key]` only when the record has that key itself. Policy tables keyed by a
 * client's string (an item code, a CSV column name) are plain objects; a key such as
 * "constructor" or "__proto__" must find nothing there, not Object.prototype's member.
 */
export function own<V>(record: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
