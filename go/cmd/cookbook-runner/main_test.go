package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary be the runner itself: started again with asRunner set, it runs
// main with its arguments, so that these tests see the very process the harness sees without
// building another binary.
func TestMain(m *testing.M) {
	if os.Getenv(asRunner) == "1" {
		main()
	}
	os.Exit(m.Run())
}

const asRunner = "COOKBOOK_RUNNER_AS_MAIN"

// stopWithin is the second the contract gives a runner to stop, and one more for a loaded
// machine: a late stop is a liveness failure, so it gets tolerance, as in the harness.
const stopWithin = 2 * time.Second

// runner is the runner as a process of its own, not started yet; its stderr goes to stderr.
func runner(t *testing.T, command string, stderr *bytes.Buffer) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], command)
	cmd.Env = append(os.Environ(), asRunner+"=1")
	cmd.Stderr = stderr
	return cmd
}

// exitCode waits for cmd and returns its exit code, failing if it takes longer than within.
func exitCode(t *testing.T, cmd *exec.Cmd, within time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		return cmd.ProcessState.ExitCode()
	case <-time.After(within):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("the runner was still running %v later", within)
		return -1
	}
}

// poolCase is a run request of one job that sleeps ms.
func poolCase(id string, ms int) string {
	return fmt.Sprintf(`{"pattern": "worker-pool", "id": %q, "input": {"workers": 1, "jobs": [{"id": 0, "sleepMs": %d}]}}`+"\n", id, ms)
}

// A signal ends the runner within a second, in the middle of a case or a bench, with one line
// on stderr, its exit code, and every answer already written left whole.
func TestSignals(t *testing.T) {
	for _, tc := range []struct {
		name    string
		signal  syscall.Signal
		code    int
		message string
	}{
		{"SIGINT", syscall.SIGINT, 130, "error: interrupted by SIGINT\n"},
		{"SIGTERM", syscall.SIGTERM, 143, "error: terminated by SIGTERM\n"},
	} {
		t.Run(tc.name+" in a run", func(t *testing.T) {
			var stderr bytes.Buffer
			cmd := runner(t, "run", &stderr)
			cmd.Stdin = strings.NewReader(poolCase("quick", 0) + poolCase("slow", 60_000) + poolCase("never", 0))
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			out := bufio.NewReader(stdout)
			first, err := out.ReadString('\n')
			if err != nil || !strings.HasPrefix(first, `{"id":"quick","status":"ok"`) {
				t.Fatalf("first answer %q, %v", first, err)
			}
			// The slow case is now under way; two signals make one exit.
			time.Sleep(100 * time.Millisecond)
			_ = cmd.Process.Signal(tc.signal)
			_ = cmd.Process.Signal(tc.signal)
			rest, _ := io.ReadAll(out)
			if code := exitCode(t, cmd, stopWithin); code != tc.code {
				t.Errorf("exit code %d, want %d", code, tc.code)
			}
			if len(rest) != 0 {
				t.Errorf("stdout after the first answer: %q, want nothing", rest)
			}
			if stderr.String() != tc.message {
				t.Errorf("stderr %q, want %q", stderr.String(), tc.message)
			}
		})
		t.Run(tc.name+" in a bench", func(t *testing.T) {
			var stderr, stdout bytes.Buffer
			cmd := runner(t, "bench", &stderr)
			// Minutes of work on one P, where only a preemption lets the signal's goroutine run.
			cmd.Stdin = strings.NewReader(`{"pattern": "worker-pool", "size": 1000, "params": {"workers": 2, "cost": 100000000, "mode": "event-loop"}}`)
			cmd.Stdout = &stdout
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Nothing shows when the bench has started: a second is ample for the runner to
			// start up and read its request, and a small part of the minutes the bench takes.
			time.Sleep(time.Second)
			_ = cmd.Process.Signal(tc.signal)
			if code := exitCode(t, cmd, stopWithin); code != tc.code {
				t.Errorf("exit code %d, want %d", code, tc.code)
			}
			if stdout.Len() != 0 || stderr.String() != tc.message {
				t.Errorf("stdout %q, stderr %q; want nothing and %q", stdout.String(), stderr.String(), tc.message)
			}
		})
	}
}

// A runner whose reader went away says so and exits 141, instead of dying of SIGPIPE.
func TestStdoutClosed(t *testing.T) {
	var stderr bytes.Buffer
	cmd := runner(t, "run", &stderr)
	cmd.Stdin = strings.NewReader(strings.Repeat(poolCase("slow-ish", 20), 200))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	_ = stdout.Close()
	if code := exitCode(t, cmd, 5*time.Second); code != 141 {
		t.Errorf("exit code %d (%v), want 141", code, cmd.ProcessState)
	}
	if want := "error: standard output was closed\n"; stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
}

// With standard input closed (the shell's 0<&-), run answers nothing and bench has no request.
func TestStdinClosed(t *testing.T) {
	for _, tc := range []struct {
		command, stderr string
		code            int
	}{
		{"run", "", 0},
		{"bench", "error: line 1: expected one bench request, got none\n", 3},
	} {
		var stdout, stderr bytes.Buffer
		cmd := exec.Command("sh", "-c", `exec "$0" "$1" 0<&-`, os.Args[0], tc.command)
		cmd.Env = append(os.Environ(), asRunner+"=1")
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if code := exitCode(t, cmd, 5*time.Second); code != tc.code || stdout.Len() != 0 || stderr.String() != tc.stderr {
			t.Errorf("%s: exit code %d, stdout %q, stderr %q; want %d, nothing and %q", tc.command, code, stdout.String(), stderr.String(), tc.code, tc.stderr)
		}
	}
}
