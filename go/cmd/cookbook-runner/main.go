// Command cookbook-runner is the Go runner of the concurrency cookbook: it speaks the cookbook's
// protocol (list, run, bench) so that the harness can check every pattern against its spec.
package main

import (
	"context"
	"fmt"
	"os"

	cookbook "github.com/concurrency-cookbook/cookbook/go"
	"github.com/concurrency-cookbook/cookbook/go/internal/patterns"
	"github.com/concurrency-cookbook/cookbook/go/internal/protocol"
)

func main() {
	runner, err := protocol.NewRunner("go", patterns.Table, patterns.Workloads, cookbook.SkipsJSON)
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(protocol.ExitFailed)
	}
	os.Exit(runner.Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
