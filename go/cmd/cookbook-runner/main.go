// Command cookbook-runner is the Go runner of the concurrency cookbook: it speaks the cookbook's
// protocol (list, run, bench) so that the harness can check every pattern against its spec.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	cookbook "github.com/concurrency-cookbook/cookbook/go"
	"github.com/concurrency-cookbook/cookbook/go/internal/patterns"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
)

// patience is how long an exit on a signal waits for an answer line that is being written.
const patience = 500 * time.Millisecond

func main() {
	// Without this the runtime lets SIGPIPE kill the process, without a word, when stdout's
	// reader goes away; ignored, the write fails with EPIPE and the runner says so.
	signal.Ignore(syscall.SIGPIPE)
	stdout := &lineWriter{w: os.Stdout, turn: make(chan struct{}, 1)}
	exitOnSignal(stdout)

	runner, err := protocol.NewRunner("go", patterns.Table, patterns.Workloads, cookbook.SkipsJSON)
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(protocol.ExitFailed)
	}
	os.Exit(runner.Main(context.Background(), os.Args[1:], os.Stdin, stdout, os.Stderr))
}

// exitOnSignal ends the process on the first SIGINT or SIGTERM, with the contract's line and
// exit code, in the middle of a case if need be: os.Exit stops every goroutine at once, busy
// or not, and any signal after the first finds the process already on its way out.
func exitOnSignal(stdout *lineWriter) {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		message, code := "error: terminated by SIGTERM", protocol.ExitTerminated
		if <-signals == syscall.SIGINT {
			message, code = "error: interrupted by SIGINT", protocol.ExitInterrupted
		}
		stdout.stop()
		fmt.Fprintln(os.Stderr, message)
		os.Exit(code)
	}()
}

// lineWriter lets one Write through at a time. The runner writes each answer line in one
// Write, so that stop, by waiting for the turn, never lets the process end halfway through a
// line.
type lineWriter struct {
	w io.Writer
	// turn holds a token while a Write is in progress, and for good once stop has it.
	turn chan struct{}
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.turn <- struct{}{}
	defer func() { <-l.turn }()
	return l.w.Write(p)
}

// stop waits for the Write in progress, if any, and keeps any other from starting. A Write
// blocked for longer than patience has a reader that stopped reading, which will not see the
// end of that line either way, so stop gives up waiting rather than keep the process alive.
func (l *lineWriter) stop() {
	select {
	case l.turn <- struct{}{}:
	case <-time.After(patience):
	}
}
