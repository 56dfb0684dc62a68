// Package field validates decoded JSON input field by field, so that an invalid case is answered
// with the path of the first offending field (workers, jobs[2].cost) instead of a decoder error.
//
// Values are what encoding/json produces with UseNumber: map[string]any, []any, string, bool,
// nil and json.Number. Keeping numbers as their literal text is what lets 2.5 and 2 be told apart
// and a 53-bit id pass through without a trip through float64.
package field

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Error is an invalid field: its path from the root of the input and a one-line message that
// names the path, the rule and the value received.
type Error struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an Error for path whose message starts with the path.
func Errorf(path, format string, args ...any) *Error {
	return &Error{Field: path, Message: path + " " + fmt.Sprintf(format, args...)}
}

// Show renders a received value for a message: as the JSON it came from, cut short so that one
// huge value cannot make a huge message.
func Show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	const limit = 60
	if len(b) > limit {
		return string(b[:limit]) + "..."
	}
	return string(b)
}

// Object is a JSON object under validation, with the path that leads to it ("" for the root).
type Object struct {
	path   string
	fields map[string]any
}

// Of wraps an object that is already decoded, such as a whole request.
func Of(m map[string]any) Object {
	return Object{fields: m}
}

// Root checks that v, the input named name, is a JSON object; the paths inside it start from
// its fields, without name.
func Root(name string, v any) (Object, error) {
	o, err := AsObject(name, v)
	o.path = ""
	return o, err
}

// AsObject checks that v, found at path, is a JSON object.
func AsObject(path string, v any) (Object, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return Object{}, Errorf(path, "must be an object, got %s", Show(v))
	}
	return Object{path: path, fields: m}, nil
}

// Path is the path of the field name inside o.
func (o Object) Path(name string) string {
	if o.path == "" {
		return name
	}
	return o.path + "." + name
}

// Int reads a required integer field in [lo, hi].
func (o Object) Int(name string, lo, hi int64) (int64, error) {
	v, ok := o.fields[name]
	if !ok {
		return 0, Errorf(o.Path(name), "is missing; it must be an integer from %d to %d", lo, hi)
	}
	return integer(o.Path(name), v, lo, hi)
}

// OptInt reads an optional integer field in [lo, hi], def when absent. An explicit null is a
// value of the wrong type, not an absent field.
func (o Object) OptInt(name string, def, lo, hi int64) (int64, error) {
	v, ok := o.fields[name]
	if !ok {
		return def, nil
	}
	return integer(o.Path(name), v, lo, hi)
}

// Bool reads a required boolean field.
func (o Object) Bool(name string) (bool, error) {
	if _, ok := o.fields[name]; !ok {
		return false, Errorf(o.Path(name), "is missing; it must be a boolean")
	}
	return o.OptBool(name, false)
}

// OptBool reads an optional boolean field, def when absent.
func (o Object) OptBool(name string, def bool) (bool, error) {
	v, ok := o.fields[name]
	if !ok {
		return def, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, Errorf(o.Path(name), "must be a boolean, got %s", Show(v))
	}
	return b, nil
}

// String reads a required string field.
func (o Object) String(name string) (string, error) {
	v, ok := o.fields[name]
	if !ok {
		return "", Errorf(o.Path(name), "is missing; it must be a string")
	}
	s, ok := v.(string)
	if !ok {
		return "", Errorf(o.Path(name), "must be a string, got %s", Show(v))
	}
	return s, nil
}

// OneOf reads a required string field that must be one of allowed, such as an operation's name.
func (o Object) OneOf(name string, allowed ...string) (string, error) {
	v, ok := o.fields[name]
	if !ok {
		return "", Errorf(o.Path(name), "is missing; it must be %s", oneOfRule(allowed))
	}
	return oneOf(o.Path(name), v, allowed)
}

// OptOneOf reads an optional string field that must be one of allowed, such as a benchmark's
// mode; "" when absent. An explicit null is a value of the wrong type, not an absent field.
func (o Object) OptOneOf(name string, allowed ...string) (string, error) {
	if _, ok := o.fields[name]; !ok {
		return "", nil
	}
	return o.OneOf(name, allowed...)
}

// Has reports whether the field name is present, null included: for a field whose presence is
// itself the question, such as one that only some kinds of input may have.
func (o Object) Has(name string) bool {
	_, ok := o.fields[name]
	return ok
}

// Object reads a required field that is itself an object.
func (o Object) Object(name string) (Object, error) {
	v, ok := o.fields[name]
	if !ok {
		return Object{}, Errorf(o.Path(name), "is missing; it must be an object")
	}
	return AsObject(o.Path(name), v)
}

// Array reads a required array field.
func (o Object) Array(name string) (Array, error) {
	v, ok := o.fields[name]
	if !ok {
		return Array{}, Errorf(o.Path(name), "is missing; it must be an array")
	}
	items, ok := v.([]any)
	if !ok {
		return Array{}, Errorf(o.Path(name), "must be an array, got %s", Show(v))
	}
	return Array{path: o.Path(name), items: items}, nil
}

// Array is a JSON array under validation. Its elements are checked one at a time, in order, so
// that a bad field of element 0 is reported before a bad element 1.
type Array struct {
	path  string
	items []any
}

// Len is the number of elements.
func (a Array) Len() int { return len(a.items) }

// AtMost checks that the array has at most n elements.
func (a Array) AtMost(n int) error {
	if len(a.items) > n {
		return Errorf(a.path, "must have at most %d elements, got %d", n, len(a.items))
	}
	return nil
}

// Int checks that element i is an integer in [lo, hi].
func (a Array) Int(i int, lo, hi int64) (int64, error) {
	return integer(a.Path(i), a.items[i], lo, hi)
}

// Array checks that element i is itself an array.
func (a Array) Array(i int) (Array, error) {
	items, ok := a.items[i].([]any)
	if !ok {
		return Array{}, Errorf(a.Path(i), "must be an array, got %s", Show(a.items[i]))
	}
	return Array{path: a.Path(i), items: items}, nil
}

// Object checks that element i is an object.
func (a Array) Object(i int) (Object, error) {
	return AsObject(a.Path(i), a.items[i])
}

// OneOf checks that element i is a string among allowed, such as a scripted outcome.
func (a Array) OneOf(i int, allowed ...string) (string, error) {
	return oneOf(a.Path(i), a.items[i], allowed)
}

// Path is the path of element i.
func (a Array) Path(i int) string { return fmt.Sprintf("%s[%d]", a.path, i) }

// oneOf accepts a string among allowed.
func oneOf(path string, v any, allowed []string) (string, error) {
	s, ok := v.(string)
	if !ok || !slices.Contains(allowed, s) {
		return "", Errorf(path, "must be %s, got %s", oneOfRule(allowed), Show(v))
	}
	return s, nil
}

// oneOfRule words the allowed strings: "a" or "b".
func oneOfRule(allowed []string) string {
	quoted := make([]string, len(allowed))
	for i, a := range allowed {
		quoted[i] = strconv.Quote(a)
	}
	return strings.Join(quoted, " or ")
}

// integer accepts only an integer literal: 2.5, 2.0 and 2e0 are refused alike, so that no value
// is truncated or rounded on its way in. A literal too large for int64 is out of range all the same.
func integer(path string, v any, lo, hi int64) (int64, error) {
	n, ok := v.(json.Number)
	if ok {
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err == nil && lo <= i && i <= hi {
			return i, nil
		}
	}
	return 0, Errorf(path, "must be an integer from %d to %d, got %s", lo, hi, Show(v))
}
