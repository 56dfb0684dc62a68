package protocol

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

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
// case's goroutines never skew another's observations. Each answer is flushed at once, so a
// reader sees it before the next case starts and keeps it if a later line is unusable.
func (r *Runner) run(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) int {
	in := bufio.NewReader(stdin)
	out := bufio.NewWriter(stdout)
	for n := 1; ; n++ {
		line, readErr := in.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			ans, err := r.Handle(ctx, line)
			if err != nil {
				fmt.Fprintf(stderr, "error: line %d: %v\n", n, err)
				return ExitBadInput
			}
			if err := writeLine(out, ans); err != nil {
				fmt.Fprintf(stderr, "error: writing the answer to line %d: %v\n", n, err)
				return ExitFailed
			}
		}
		if readErr == io.EOF {
			return ExitOK
		}
		if readErr != nil {
			fmt.Fprintf(stderr, "error: line %d: %v\n", n, readErr)
			return ExitBadInput
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
	if reason, ok := r.skips[name][id]; ok {
		return Answer{ID: id, Status: "unsupported", Reason: reason}, nil
	}
	// A request without an object input is not a case at all: the whole line is unusable.
	input, ok := req["input"].(map[string]any)
	if !ok {
		return Answer{}, errors.New(`the request has no object "input"`)
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
		return "", Pattern{}, fmt.Errorf("pattern %q is not implemented by this runner", name)
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
	v, err := DecodeJSON(line)
	if err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	req, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a JSON object: %s", field.Show(v))
	}
	return req, nil
}

// DecodeJSON decodes exactly one JSON value, keeping numbers as json.Number: the field package
// needs their literal text to tell 2 from 2.5 and to read 53-bit ids exactly.
func DecodeJSON(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

// writeLine writes v as one JSON line and flushes it.
func writeLine(w *bufio.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if _, err := w.Write(b); err != nil {
		return err
	}
	return w.Flush()
}
