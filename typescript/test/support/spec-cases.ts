/** Every case of a pattern's spec, run through the same code the runner uses, as one test each. */

import assert from "node:assert/strict";
import { test } from "node:test";

import { isObject } from "../../src/runner/fields.js";
import { patterns } from "../../src/runner/patterns.js";
import { answerCase } from "../../src/runner/run.js";
import { loadSkips } from "../../src/runner/skips.js";
import { assertAnswer } from "./contract.js";
import { loadSpec } from "./spec.js";

export async function testSpecCases(slug: string): Promise<void> {
  const spec = loadSpec(slug);
  const skips = await loadSkips(patterns.keys());
  for (const testCase of spec.cases) {
    test(`${spec.pattern}: ${testCase.id}`, async (t) => {
      const { input } = testCase;
      assert.ok(isObject(input), "a case's input is an object");
      const answer = await answerCase({ pattern: spec.pattern, id: testCase.id, input }, skips);
      if (answer.status === "unsupported") {
        t.skip(answer.reason);
        return;
      }
      assertAnswer(spec, testCase, answer);
    });
  }
}
