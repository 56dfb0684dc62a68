import { patterns } from "../src/runner/patterns.js";
import { testSpecCases } from "./support/spec-cases.js";

// Every pattern the runner serves has a spec of the same name.
for (const slug of patterns.keys()) await testSpecCases(slug);
