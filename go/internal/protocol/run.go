package protocol

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"syscall"

	"github.com/concurrency-cookbook/cookbook/go/internal/field"
)

// Answer is one answer line of the run command.
type Answer struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Output any    `json:"output,omitempty"`
	// Observed is the pattern's observations, in its own shape.
	Observed any          `json:"observed,omitempty"`
	Error    *field.Error `json:"error,omitempty"`
	Reason   string       `json:"reason,omitempty"`
}

// run answers request lines one at a time, in order: cases run one after the other so that one
// case's goroutines never skew another's observations. Each answer is written at once, so a
// reader sees it before the next case starts and keeps it if a later line is unusable.
func (r *Runner) run(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) int {
	in := newLines(stdin)
	for {
		line, err := in.next()
		if err == io.EOF {
			return ExitOK
		}
		if err != nil {
			return unusable(stderr, in.n, err)
		}
		ans, err := r.Handle(ctx, line)
		if err != nil {
			return unusable(stderr, in.n, err)
		}
		if err := writeLine(stdout, ans); err != nil {
			return writeFailed(stderr, fmt.Sprintf("the answer to line %d", in.n), err)
		}
	}
}

// Handle answers one request line of the run command. An error means the line is unusable as a
// whole; an invalid case is an answer, not an error.
func (r *Runner) Handle(ctx context.Context, line []byte) (Answer, error) {
	req, err := decodeRequest(line)
	if err != nil {
		return Answer{}, err
	}
	id, ok := req["id"].(string)
	if !ok {
		return Answer{}, errors.New(`the request has no string "id"`)
	}
	name, p, err := r.lookup(req)
	if err != nil {
		return Answer{}, err
	}
	// A request without an object input is not a case at all, skipped or not: the whole line
	// is unusable.
	input, ok := req["input"].(map[string]any)
	if !ok {
		return Answer{}, errors.New(`the request has no object "input"`)
	}
	if reason, ok := r.skips[name][id]; ok {
		return Answer{ID: id, Status: "unsupported", Reason: reason}, nil
	}
	obj, err := field.Root("input", input)
	if err != nil {
		return errorAnswer(id, err), nil
	}
	out, observed, err := p.answer(ctx, obj)
	if err != nil {
		return errorAnswer(id, err), nil
	}
	return Answer{ID: id, Status: "ok", Output: out, Observed: observed}, nil
}

// lookup finds the pattern a request names.
func (r *Runner) lookup(req map[string]any) (string, Pattern, error) {
	name, ok := req["pattern"].(string)
	if !ok {
		return "", Pattern{}, errors.New(`the request has no string "pattern"`)
	}
	p, ok := r.patterns[name]
	if !ok {
		return "", Pattern{}, fmt.Errorf("pattern %q is not implemented by this runner; `cookbook-runner list` names the ones it is", name)
	}
	return name, p, nil
}

func errorAnswer(id string, err error) Answer {
	return Answer{ID: id, Status: "error", Error: asField(err)}
}

// asField keeps a *field.Error as it is and gives any other error an empty path, so that an
// invalid case is always answered.
func asField(err error) *field.Error {
	var fe *field.Error
	if errors.As(err, &fe) {
		return fe
	}
	return &field.Error{Message: err.Error()}
}

// decodeRequest decodes a line that must hold exactly one JSON object.
func decodeRequest(line []byte) (map[string]any, error) {
	v, err := decodeJSON(line)
	if err != nil {
		return nil, err
	}
	req, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a JSON object: %s; send each request as an object", field.Show(v))
	}
	return req, nil
}

// writeLine writes v as one JSON line, in one Write, so that a writer that lets one Write at a
// time through never lets a line be cut (cookbook-runner's exit on a signal relies on it).
func writeLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// unusable reports input unusable as a whole, at line n, and returns the exit code.
func unusable(stderr io.Writer, n int, err error) int {
	fmt.Fprintf(stderr, "error: line %d: %v\n", n, err)
	return ExitBadInput
}

// writeFailed reports a write to stdout that failed, and returns the exit code. Once SIGPIPE
// no longer kills the process, a reader that went away shows up here as EPIPE.
func writeFailed(stderr io.Writer, what string, err error) int {
	if errors.Is(err, syscall.EPIPE) {
		fmt.Fprintln(stderr, "error: standard output was closed")
		return ExitStdoutClosed
	}
	fmt.Fprintf(stderr, "error: writing %s: %v\n", what, err)
	return ExitFailed
}
