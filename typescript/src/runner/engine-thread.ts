/**
 * The engine thread (`engine.ts`): it answers each task the main thread posts, one at a time,
 * until the process ends.
 *
 * @module
 */

import { on } from "node:events";
import { parentPort, workerData } from "node:worker_threads";

import { serve, type EngineSetup, type Task } from "./engine.js";

if (parentPort === null) throw new Error("engine-thread.js runs only as a worker thread");
const port = parentPort;
const { skips } = workerData as EngineSetup;

for await (const [task] of on(port, "message")) {
  port.postMessage(await serve(task as Task, skips));
}
