/**
 * One line of input as the contract reads it: strict UTF-8, no byte order mark, strict JSON
 * (RFC 8259) with I-JSON's rules on top (RFC 7493: no duplicate name, no lone surrogate), and
 * arrays and objects nested at most 64 deep.
 *
 * `JSON.parse` alone is not strict enough: the last of two equal names wins, `"\ud800"` becomes a
 * lone surrogate, and any depth is accepted. So a scanner walks the text first and refuses what
 * the contract refuses; the text it lets through is JSON that `JSON.parse` reads as written.
 * Numbers are only checked against the grammar: `JSON.parse` reads `1e400` as `Infinity`, which
 * a pattern that reads the field refuses like any other number out of its range.
 *
 * @module
 */

/** Why a line is not the JSON the contract requires, in words that say where. */
export class JsonError extends Error {
  override readonly name = "JsonError";
}

export const MAX_DEPTH = 64;

// `fatal` refuses what is not UTF-8 instead of writing U+FFFD for it; `ignoreBOM` keeps a
// leading byte order mark in the text, so that it can be refused rather than silently dropped.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The JSON value `bytes` hold, or a `JsonError` saying why they are unusable. */
export function parseStrictJson(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new JsonError(
      `not UTF-8 at byte ${String(firstBadByte(bytes) + 1)} (a stray byte, an overlong form, ` +
        "an encoded surrogate or a code point above U+10FFFF)",
    );
  }
  if (text.startsWith("\uFEFF")) {
    throw new JsonError("starts with a byte order mark, which is not JSON");
  }
  new Scanner(text).document();
  return JSON.parse(text);
}

/**
 * The first byte (from 0) of `bytes`, which are not UTF-8, at which they stop being UTF-8: a
 * stray byte, or the one that breaks a sequence. A streaming decoder holds back a sequence cut
 * short at the end of its input instead of refusing it, so a prefix decodes exactly when it ends
 * before that byte.
 */
function firstBadByte(bytes: Uint8Array): number {
  let good = 0;
  let bad = bytes.length; // the whole line does not decode
  while (bad - good > 1) {
    const middle = Math.floor((good + bad) / 2);
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, middle), { stream: true });
      good = middle;
    } catch {
      bad = middle;
    }
  }
  return good;
}

// Character codes, as `charCodeAt` answers them.
const TAB = 0x09;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const ONE = 0x31;
const NINE = 0x39;
const COLON = 0x3a;
const UPPER_E = 0x45;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const LOWER_E = 0x65;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** The one-character escapes JSON has, besides `\u`, by the code of the escaped character. */
const SHORT_ESCAPES: ReadonlyMap<number, string> = new Map(
  (
    [
      ['"', '"'],
      ["\\", "\\"],
      ["/", "/"],
      ["b", "\b"],
      ["f", "\f"],
      ["n", "\n"],
      ["r", "\r"],
      ["t", "\t"],
    ] as const
  ).map(([escape, character]) => [escape.charCodeAt(0), character]),
);

/** A run of string characters that need no attention: no quote, backslash or control. */
// eslint-disable-next-line no-control-regex -- the control characters are what it must stop at
const PLAIN = /[^"\\\u0000-\u001f]*/y;
const UNICODE_ESCAPE = /\\u([0-9a-fA-F]{4})/y;

const isDigit = (c: number) => c >= ZERO && c <= NINE;
const isHighSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

/** A recursive-descent walk over the grammar: its recursion is as deep as `MAX_DEPTH`, no more. */
class Scanner {
  readonly #text: string;
  #at = 0;
  #depth = 0;

  constructor(text: string) {
    this.#text = text;
  }

  /** Exactly one value, with only JSON whitespace around it. */
  document(): void {
    this.#whitespace();
    this.#value();
    this.#whitespace();
    if (this.#at < this.#text.length) this.#unexpected("the end of the line after the value");
  }

  #peek(): number {
    return this.#text.charCodeAt(this.#at); // NaN past the end: no character matches it
  }

  /** Refuses the line for what is at `at` (counted in UTF-16 units, from 1). */
  #fail(what: string, at = this.#at): never {
    throw new JsonError(`not JSON: ${what} at character ${String(at + 1)}`);
  }

  /** Refuses the line for the character here, which is not the `expected` one. */
  #unexpected(expected: string): never {
    const at = this.#at;
    const found = at < this.#text.length ? JSON.stringify(this.#text.charAt(at)) : "the end";
    this.#fail(`expected ${expected}, found ${found}`);
  }

  #expect(c: number, what: string): void {
    if (this.#peek() !== c) this.#unexpected(what);
    this.#at += 1;
  }

  #whitespace(): void {
    for (;;) {
      const c = this.#peek();
      if (c !== SPACE && c !== TAB && c !== CARRIAGE_RETURN && c !== LINE_FEED) {
        return;
      }
      this.#at += 1;
    }
  }

  #value(): void {
    const c = this.#peek();
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      this.#depth += 1;
      if (this.#depth > MAX_DEPTH) {
        this.#fail(`arrays and objects nested deeper than ${String(MAX_DEPTH)}`);
      }
      if (c === OPEN_BRACE) this.#object();
      else this.#array();
      this.#depth -= 1;
    } else if (c === QUOTE) {
      this.#string();
    } else if (c === MINUS || isDigit(c)) {
      this.#number();
    } else if (!this.#word("true") && !this.#word("false") && !this.#word("null")) {
      this.#unexpected("a value");
    }
  }

  #word(word: string): boolean {
    if (!this.#text.startsWith(word, this.#at)) return false;
    this.#at += word.length;
    return true;
  }

  #object(): void {
    this.#at += 1;
    this.#whitespace();
    if (this.#peek() === CLOSE_BRACE) {
      this.#at += 1;
      return;
    }
    const names = new Set<string>();
    for (;;) {
      const start = this.#at;
      if (this.#peek() !== QUOTE) this.#unexpected("a name in double quotes");
      // Names are compared as decoded: "a" and "\u0061" are the same name.
      const name = this.#string();
      if (names.has(name)) {
        this.#fail(`the name ${JSON.stringify(name)} appears twice in one object`, start);
      }
      names.add(name);
      this.#whitespace();
      this.#expect(COLON, "':' after a name");
      this.#whitespace();
      this.#value();
      this.#whitespace();
      if (this.#peek() === CLOSE_BRACE) {
        this.#at += 1;
        return;
      }
      this.#expect(COMMA, "',' or '}' in an object");
      this.#whitespace();
    }
  }

  #array(): void {
    this.#at += 1;
    this.#whitespace();
    if (this.#peek() === CLOSE_BRACKET) {
      this.#at += 1;
      return;
    }
    for (;;) {
      this.#value();
      this.#whitespace();
      if (this.#peek() === CLOSE_BRACKET) {
        this.#at += 1;
        return;
      }
      this.#expect(COMMA, "',' or ']' in an array");
      this.#whitespace();
    }
  }

  /** A string, decoded: a name is compared with the object's other names. */
  #string(): string {
    const text = this.#text;
    this.#at += 1;
    let decoded = "";
    for (;;) {
      // A raw surrogate in the text came from UTF-8, where it is always half of a pair.
      PLAIN.lastIndex = this.#at;
      PLAIN.test(text);
      decoded += text.slice(this.#at, PLAIN.lastIndex);
      this.#at = PLAIN.lastIndex;
      const c = this.#peek();
      if (c === QUOTE) break;
      if (c === BACKSLASH) decoded += this.#escape();
      else if (Number.isNaN(c)) this.#unexpected("'\"' to end the string");
      else this.#unexpected("an escape for a control character in a string");
    }
    this.#at += 1;
    return decoded;
  }

  /** One escape, from its backslash: `\n`, or `\uXXXX` with a surrogate's other half. */
  #escape(): string {
    const start = this.#at;
    const short = SHORT_ESCAPES.get(this.#text.charCodeAt(start + 1));
    if (short !== undefined) {
      this.#at += 2;
      return short;
    }
    const unit = this.#unicodeEscape();
    if (unit === undefined) {
      this.#at = start + 1;
      this.#unexpected('an escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\u and four hex digits)');
    }
    if (isHighSurrogate(unit)) {
      const low = this.#unicodeEscape();
      if (low !== undefined && isLowSurrogate(low)) return String.fromCharCode(unit, low);
    } else if (!isLowSurrogate(unit)) {
      return String.fromCharCode(unit);
    }
    this.#fail("a \\u escape must not leave a lone surrogate", start);
  }

  /** The code unit that a `\uXXXX` here names, consumed; `undefined` if there is none. */
  #unicodeEscape(): number | undefined {
    UNICODE_ESCAPE.lastIndex = this.#at;
    const hex = UNICODE_ESCAPE.exec(this.#text)?.[1];
    if (hex === undefined) return undefined;
    this.#at += 6;
    return Number.parseInt(hex, 16);
  }

  /** `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, of any length. */
  #number(): void {
    if (this.#peek() === MINUS) this.#at += 1;
    if (this.#peek() === ZERO) {
      this.#at += 1;
      if (isDigit(this.#peek())) this.#fail("a number must not have a leading zero");
    } else if (this.#peek() >= ONE && this.#peek() <= NINE) {
      this.#digits();
    } else {
      this.#unexpected("a digit");
    }
    if (this.#peek() === DOT) {
      this.#at += 1;
      if (!isDigit(this.#peek())) this.#unexpected("a digit after '.'");
      this.#digits();
    }
    if (this.#peek() === LOWER_E || this.#peek() === UPPER_E) {
      this.#at += 1;
      if (this.#peek() === PLUS || this.#peek() === MINUS) this.#at += 1;
      if (!isDigit(this.#peek())) this.#unexpected("a digit in the exponent");
      this.#digits();
    }
  }

  #digits(): void {
    while (isDigit(this.#peek())) this.#at += 1;
  }
}
