// Package patterns is the runner's table: each pattern's validation, run and benchmark,
// adapted from its public package to the protocol. A new pattern is one more file here and one
// more line in Table.
package patterns

import "github.com/concurrency-cookbook/cookbook/go/internal/protocol"

// Table maps each pattern's slug to its definition.
var Table = map[string]protocol.Pattern{
	"worker-pool": workerPool,
}
