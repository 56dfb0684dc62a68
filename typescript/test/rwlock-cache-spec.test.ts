import { testSpecCases } from "./support/spec-cases.js";

await testSpecCases("rwlock-cache");
