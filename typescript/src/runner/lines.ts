/**
 * Standard input as the contract splits it: bytes, cut at `\n` alone, one `\r` before it
 * dropped. A lone `\r`, U+0085, U+2028 and U+2029 are part of a line (Node's `readline` ends a
 * line at a lone `\r`, which is why it is not used). A line holds at most `MAX_LINE_BYTES`,
 * and one that would be longer is refused as soon as it is, without buffering the rest of it.
 *
 * @module
 */

import { UnusableInputError } from "./protocol.js";

export const MAX_LINE_BYTES = 16 * 1024 * 1024;

const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

/** A line that is not blank, with its number among all lines (blank ones counted) from 1. */
export interface Line {
  readonly number: number;
  readonly bytes: Uint8Array;
}

/** Whether `bytes` hold nothing but spaces, tabs and `\r`: a line to skip. */
export function isBlank(bytes: Uint8Array): boolean {
  return bytes.every((byte) => byte === SPACE || byte === TAB || byte === CARRIAGE_RETURN);
}

/**
 * The lines of `chunks` that are not blank, pulled one at a time: nothing is read ahead of the
 * line asked for. Throws `UnusableInputError` at the first line longer than `limit` bytes.
 */
export async function* readLines(
  chunks: AsyncIterable<Uint8Array>,
  limit = MAX_LINE_BYTES,
): AsyncGenerator<Line, void, undefined> {
  let number = 1;
  // The start of the line being read, as pieces of the chunks it spans.
  let pieces: Uint8Array[] = [];
  let length = 0;
  const tooLong = () =>
    new UnusableInputError(number, `longer than ${String(limit)} bytes, the most a line may hold`);

  for await (const chunk of chunks) {
    let from = 0;
    for (let end = chunk.indexOf(LINE_FEED); end !== -1; end = chunk.indexOf(LINE_FEED, from)) {
      const last = chunk.subarray(from, end);
      const whole = pieces.length === 0 ? last : concat([...pieces, last], length + last.length);
      const bytes = whole.at(-1) === CARRIAGE_RETURN ? whole.subarray(0, -1) : whole;
      if (bytes.length > limit) throw tooLong();
      if (!isBlank(bytes)) yield { number, bytes };
      number += 1;
      pieces = [];
      length = 0;
      from = end + 1;
    }
    const rest = chunk.subarray(from);
    // One byte more than the limit may yet be the `\r` of a `\r\n`.
    if (length + rest.length > limit + 1) throw tooLong();
    if (rest.length > 0) pieces.push(rest);
    length += rest.length;
  }
  if (length > limit) throw tooLong();
  const last = concat(pieces, length);
  if (!isBlank(last)) yield { number, bytes: last };
}

function concat(pieces: readonly Uint8Array[], length: number): Uint8Array {
  if (pieces.length === 1 && pieces[0] !== undefined) return pieces[0];
  const joined = new Uint8Array(length);
  let at = 0;
  for (const piece of pieces) {
    joined.set(piece, at);
    at += piece.length;
  }
  return joined;
}
