/** Running the compiled runner as the harness does: a child process with a deadline. */

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The compiled runner, resolved from this compiled file (`dist/test/support/`). */
export const CLI = fileURLToPath(new URL("../../src/runner/cli.js", import.meta.url));

export interface CliResult {
  readonly code: number | null;
  /** The signal that ended the child, when it did not exit by itself. */
  readonly signal: NodeJS.Signals | null;
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

/** The runner, started with pipes on all three standard streams. */
export function startCli(
  args: readonly string[],
  { timeoutMs = 20_000, env = process.env }: CliOptions = {},
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [CLI, ...args], { timeout: timeoutMs, env });
}

/** Collects what `child` writes until it ends; standard output as bytes decoded at the end. */
export function finished(child: ChildProcessWithoutNullStreams): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const stdout: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      child.stdin.destroy();
      resolve({ code, signal, stdout: Buffer.concat(stdout).toString("utf8"), stderr });
    });
    child.stdin.on("error", () => {
      // The runner may exit before reading all of its input (exit code 3); that is not an error.
    });
  });
}

export function runCli(
  args: readonly string[],
  stdin: string | Uint8Array = "",
  options: CliOptions = {},
): Promise<CliResult> {
  const child = startCli(args, options);
  const result = finished(child);
  if (options.keepStdinOpen === true) child.stdin.write(stdin);
  else child.stdin.end(stdin);
  return result;
}

/**
 * The runner started by a shell with standard input closed (`0<&-`), not merely empty: the
 * process has no file descriptor 0 at all.
 */
export function runCliWithStdinClosed(args: readonly string[]): Promise<CliResult> {
  const quoted = [process.execPath, CLI, ...args].map((word) => `'${word}'`).join(" ");
  const child = spawn("/bin/sh", ["-c", `exec ${quoted} 0<&-`], { timeout: 20_000 });
  return finished(child);
}

/** Parses each line of standard output as JSON. */
export function answers(stdout: string): unknown[] {
  return stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as unknown);
}
