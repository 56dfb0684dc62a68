import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { JsonError, MAX_DEPTH, parseStrictJson } from "../src/runner/strict-json.js";

const parse = (line: string | Uint8Array) =>
  parseStrictJson(typeof line === "string" ? Buffer.from(line) : line);
const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

describe("strict JSON", () => {
  // Each line is refused with a message matching its pattern.
  const refused: [string, string | Uint8Array, RegExp][] = [
    ["a duplicate name", '{"a":1,"a":2}', /^not JSON: the name "a" appears twice .* character 8$/],
    ["a duplicate name, deep", '[{"x":[{"k":1,"k":2}]}]', /the name "k" appears twice/],
    ["a duplicate spelled with an escape", '{"a":1,"\\u0061":2}', /the name "a" appears twice/],
    ["a duplicate __proto__", '{"__proto__":1,"__proto__":2}', /"__proto__" appears twice/],
    ["a duplicate constructor", '{"constructor":1,"constructor":2}', /appears twice/],
    ["nesting one too deep", nested(MAX_DEPTH + 1), /nested deeper than 64 at character 65$/],
    ["objects nesting too deep", '{"a":'.repeat(65) + "1" + "}".repeat(65), /deeper than 64/],
    ["nesting far too deep", nested(1_000_000), /deeper than 64/],
    ["a lone high surrogate", '"\\ud800"', /lone surrogate at character 2$/],
    ["a lone low surrogate", '"\\udc00"', /lone surrogate/],
    ["a high surrogate before a character", '"\\ud800x"', /lone surrogate/],
    ["a high surrogate before another escape", '"\\ud800\\n"', /lone surrogate/],
    ["a high surrogate before a high one", '"\\ud83d\\ud83d"', /lone surrogate/],
    ["a surrogate pair reversed", '"\\ude00\\ud83d"', /lone surrogate/],
    ["a lone surrogate in a name", '{"\\ud800":1}', /lone surrogate/],
    ["a stray byte", Buffer.from([0x22, 0xff, 0x22]), /^not UTF-8 at byte 2 /],
    ["a stray continuation byte", Buffer.from([0x22, 0x80, 0x22]), /^not UTF-8 at byte 2 /],
    ["an overlong slash", Buffer.from([0x22, 0xc0, 0xaf, 0x22]), /^not UTF-8 /],
    ["an overlong NUL", Buffer.from([0x22, 0xe0, 0x80, 0x80, 0x22]), /^not UTF-8 /],
    ["an encoded surrogate", Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), /^not UTF-8 /],
    ["above U+10FFFF", Buffer.from([0x22, 0xf4, 0x90, 0x80, 0x80, 0x22]), /^not UTF-8 /],
    ["a sequence cut short", Buffer.from([0x22, 0xe2, 0x82, 0x22]), /^not UTF-8 at byte 4 /],
    ["a sequence cut by the end", Buffer.from([0x31, 0xe2, 0x82]), /^not UTF-8 /],
    ["a byte order mark", Buffer.from([0xef, 0xbb, 0xbf, 0x31]), /byte order mark/],
    ["an escaped byte order mark is fine, a raw one is not", "\uFEFF1", /byte order mark/],
    ["NaN", "NaN", /expected a value, found "N" at character 1$/],
    ["Infinity", "[Infinity]", /expected a value, found "I"/],
    ["-Infinity", "-Infinity", /expected a digit, found "I"/],
    ["a line comment", "1 // one", /expected the end of the line after the value/],
    ["a block comment", "/* one */ 1", /expected a value/],
    ["a trailing comma in an array", "[1,]", /expected a value, found "]"/],
    ["a trailing comma in an object", '{"a":1,}', /expected a name in double quotes/],
    ["single quotes", "'a'", /expected a value, found "'"/],
    ["a single-quoted name", "{'a':1}", /expected a name in double quotes/],
    ["a bare name", "{a:1}", /expected a name/],
    ["a leading zero", "01", /leading zero/],
    ["a negative leading zero", "-01", /leading zero/],
    ["a bare fraction", ".5", /expected a value/],
    ["a fraction without digits", "1.", /a digit after '.'/],
    ["an exponent without digits", "1e+", /a digit in the exponent/],
    ["a plus sign", "+1", /expected a value/],
    ["a hex number", "0x10", /expected the end of the line/],
    ["an unescaped NUL", '"a\u0000b"', /escape for a control character/],
    ["an unescaped tab", '"a\tb"', /escape for a control character/],
    ["an unescaped newline", '"a\nb"', /escape for a control character/],
    ["an unknown escape", '"\\x"', /expected an escape .*, found "x"/],
    ["a short \\u escape", '"\\u12"', /expected an escape/],
    ["an unterminated string", '"abc', /expected '"' to end the string, found the end/],
    ["an unterminated array", "[1", /expected ',' or ']' in an array, found the end/],
    ["an unterminated object", '{"a":1', /expected ',' or '}' in an object/],
    ["a missing colon", '{"a" 1}', /expected ':' after a name/],
    ["a second value", "{} {}", /expected the end of the line after the value, found "{"/],
    ["trailing garbage", "truex", /expected the end of the line/],
    ["a misspelt literal", "nul", /expected a value/],
    ["U+2028 as whitespace", "1\u2028", /expected the end of the line/],
    ["U+0085 as whitespace", "\u00851", /expected a value/],
    ["U+00A0 as whitespace", "1\u00a0", /expected the end of the line/],
    ["a form feed as whitespace", "\f1", /expected a value/],
    ["nothing but whitespace", " \t", /expected a value, found the end/],
  ];
  for (const [what, line, message] of refused) {
    test(`refuses ${what}`, () => {
      assert.throws(
        () => parse(line),
        (error) => {
          assert.ok(error instanceof JsonError, String(error));
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  // Each line is read as JSON.parse reads it.
  const accepted: [string, string][] = [
    ["nesting exactly 64 deep", nested(MAX_DEPTH)],
    ["a surrogate pair", '"\\ud83d\\ude00"'],
    ["a surrogate pair in capitals", '"\\uD83D\\uDE00"'],
    ["a raw astral character", '"😀"'],
    ["U+2028 and U+2029 inside a string", '"\u2028\u2029"'],
    ["U+0085 and a lone CR inside a string", '"\u0085\\r"'],
    ["an escaped NUL", '"\\u0000"'],
    ["every short escape", '"\\" \\\\ \\/ \\b \\f \\n \\r \\t"'],
    ["equal values under different names", '{"a":1,"b":1,"A":1}'],
    ["the same name in different objects", '[{"a":1},{"a":2},{"b":{"a":3}}]'],
    ["names of Object.prototype", '{"__proto__":1,"constructor":2,"toString":3}'],
    ["a huge exponent", "[1e400,-1e400,0.1e-999,1E+2,-0]"],
    ["a 5000-digit integer", "9".repeat(5000)],
    ["a 5000-digit fraction", `-0.${"1".repeat(5000)}e-5`],
    ["whitespace around", ' \t\r\n[ 1 , { "a" : null } ]\r '],
    ["every literal", "[true,false,null]"],
    ["empty containers", '[[],{},""]'],
  ];
  for (const [what, line] of accepted) {
    test(`reads ${what}`, () => {
      const got = parse(line);
      assert.deepEqual(got, JSON.parse(line));
    });
  }

  test("a __proto__ name is an own member, not the object's prototype", () => {
    const got = parse('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(got), Object.prototype);
    assert.ok(Object.hasOwn(got, "__proto__"));
    assert.equal((got as { polluted?: boolean }).polluted, undefined);
  });
});
