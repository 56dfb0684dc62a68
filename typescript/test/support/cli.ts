/** Running the compiled runner as the harness does: a child process with a deadline. */

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The compiled runner, resolved from this compiled file (`dist/test/support/`). */
export const CLI = fileURLToPath(new URL("../../src/runner/cli.js", import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Leave standard input open after writing to it, as a harness that streams might. */
  readonly keepStdinOpen?: boolean;
  /** The child is killed after this long, and its exit code is then `null`. */
  readonly timeoutMs?: number;
  /** The child's environment, instead of this process's. */
  readonly env?: NodeJS.ProcessEnv;
}

export function runCli(
  args: readonly string[],
  stdin = "",
  { keepStdinOpen = false, timeoutMs = 20_000, env = process.env }: CliOptions = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { timeout: timeoutMs, env });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      child.stdin.destroy();
      resolve({ code, stdout, stderr });
    });
    child.stdin.on("error", () => {
      // The runner may exit before reading all of its input (exit code 3); that is not an error.
    });
    if (keepStdinOpen) child.stdin.write(stdin);
    else child.stdin.end(stdin);
  });
}

/** Parses each line of standard output as JSON. */
export function answers(stdout: string): unknown[] {
  return stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as unknown);
}
