// Package cookbook holds what the Go implementation of the concurrency cookbook says about
// itself: the cases it does not implement, kept in skips.json beside this file so that a skip is
// never hidden in code.
package cookbook

import _ "embed"

// SkipsJSON is skips.json: an object mapping a pattern to {case id: reason}.
//
//go:embed skips.json
var SkipsJSON []byte
