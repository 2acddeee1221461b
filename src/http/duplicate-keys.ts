/**
 * The JSON-pointer path of the first member name that appears twice in one object of
 * `text`, or undefined. JSON.parse keeps the last of two equal names and says nothing;
 * a bill with two "amount" members in a line would be settled on whichever came last.
 * `text` must be JSON that JSON.parse accepted: the walk checks nothing else.
 */
export function duplicateKey(text: string): string | undefined {
  /** Open containers: an object's names so far and the current one, or an array's index. */
  const frames: Array<{ names: Set<string> | null; at: string | number; expectName: boolean }> = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let end = text.indexOf('"', i + 1);
      while (isEscaped(text, end)) end = text.indexOf('"', end + 1);
      const top = frames[frames.length - 1];
      if (top?.names && top.expectName) {
        const raw = text.slice(i + 1, end);
        const name = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        top.at = name;
        if (top.names.has(name)) return pathOf(frames);
        top.names.add(name);
        top.expectName = false;
      }
      i = end;
    } else if (c === 0x7b /* { */) frames.push({ names: new Set(), at: '', expectName: true });
    else if (c === 0x5b /* [ */) frames.push({ names: null, at: 0, expectName: false });
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) frames.pop();
    else if (c === 0x2c /* , */) {
      const top = frames[frames.length - 1]!;
      if (top.names) top.expectName = true;
      else top.at = (top.at as number) + 1;
    }
  }
  return undefined;
}

/** Whether the quote at `at` follows an odd number of backslashes. */
function isEscaped(text: string, at: number): boolean {
  let n = 0;
  for (let j = at - 1; j >= 0 && text.charCodeAt(j) === 0x5c; j--) n++;
  return n % 2 === 1;
}

function pathOf(frames: ReadonlyArray<{ at: string | number }>): string {
  return frames.map((f) => `/${String(f.at).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}
