/** How every batch frame (subprotocol `myroom.v1.batch`) starts: PROTOCOL.md fixes its shape. */
export const BATCH_HEAD = '{"type":"batch","events":[';

/**
 * The events of a batch frame as the texts the server wrote, without parsing them: a scan for the
 * ends of the top-level objects of its `events` array (strings skipped, escapes honoured).
 */
export function splitBatch(text: string): string[] {
  const events: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = BATCH_HEAD.length; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 123 || c === 91) {
      if (depth++ === 0) start = i;
    } else if (c === 125 || c === 93) {
      if (depth === 0) break; // the end of the events array
      if (--depth === 0) events.push(text.slice(start, i + 1));
    }
  }
  return events;
}
