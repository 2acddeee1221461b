/**
 * GET /v1/settlements lists a settlement once every transaction older than it has ended
 * on the whole server (migration 20261204230000), and the other test files' transactions
 * run on the same server: a row just committed can be held back for a moment. Tests that
 * need rows listed wait for them here; what must not be listed is checked at once.
 */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The ids of a list query, top to bottom, following nextCursor `limit` at a time: every one,
 * or those above the first for which `stop` holds (a mirror paging down to what it holds).
 */
export async function allListed(
  get: (url: string) => Promise<{ statusCode: number; body: string; json(): unknown }>, query: string, limit: number, stop?: (id: string) => boolean,
): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await get(`/v1/settlements?${query}${query ? '&' : ''}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    if (page.statusCode !== 200) throw new Error(`list answered ${page.statusCode}: ${page.body}`);
    const body = page.json() as { items: Array<{ id: string }>; nextCursor: string | null };
    for (const { id } of body.items) {
      if (stop?.(id)) return ids;
      ids.push(id);
    }
    cursor = body.nextCursor;
  } while (cursor);
  return ids;
}

export const sameIds = (want: string[]) => (ids: string[]): boolean => ids.length === want.length && ids.every((id, i) => id === want[i]);
