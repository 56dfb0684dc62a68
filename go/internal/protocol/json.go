package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// maxDepth is how deep arrays and objects may nest, the request object being depth 1.
const maxDepth = 64

// byteOrderMark is U+FEFF in UTF-8.
var byteOrderMark = []byte("\xef\xbb\xbf")

// decodeJSON decodes a line that must hold exactly one JSON value, read as the contract reads
// JSON: strict RFC 8259, names unique in each object, no lone surrogate, at most maxDepth deep.
// Values come out as encoding/json gives them with UseNumber: map[string]any, []any, string,
// bool, nil and json.Number, whose literal text lets the field package tell 2 from 2.5 and
// read a number of any size without failing.
//
// encoding/json alone is not enough: it turns invalid UTF-8 and a lone surrogate escape into
// U+FFFD without a word, so that an id would come back changed, and it keeps the last of two
// equal names. Hence the checks on the raw line first, and the walk over its tokens.
func decodeJSON(line []byte) (any, error) {
	if bytes.HasPrefix(line, byteOrderMark) {
		return nil, errors.New("the line starts with a byte order mark (U+FEFF), which is not JSON; send the JSON without it")
	}
	if !utf8.Valid(line) {
		return nil, fmt.Errorf("the line is not valid UTF-8 (byte %d); send the text as UTF-8", invalidUTF8(line))
	}
	if at, ok := loneSurrogate(line); ok {
		return nil, fmt.Errorf("the escape %s at byte %d is a lone surrogate; escape a character beyond U+FFFF as a high and a low surrogate together", line[at:at+6], at)
	}
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	tok, err := d.Token()
	if err != nil {
		return nil, notJSON(err)
	}
	v, err := value(d, tok, 0)
	if err != nil {
		return nil, err
	}
	switch _, err := d.Token(); {
	case err == nil:
		return nil, errors.New("not JSON: the line holds more than one JSON value; send one request per line")
	case err != io.EOF:
		return nil, notJSON(err)
	}
	return v, nil
}

// value reads the value that starts with tok, found at depth (0 for the line's value itself).
func value(d *json.Decoder, tok json.Token, depth int) (any, error) {
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	if depth == maxDepth {
		return nil, fmt.Errorf("arrays and objects nest deeper than %d (the request object is depth 1); flatten the input", maxDepth)
	}
	if delim == '[' {
		items := []any{}
		for d.More() {
			v, err := next(d, depth+1)
			if err != nil {
				return nil, err
			}
			items = append(items, v)
		}
		return items, closing(d)
	}
	fields := map[string]any{}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, notJSON(err)
		}
		// The decoder hands out names already unescaped, so "k" and "\u006b" are one name.
		name, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("not JSON: a name must be a string, got %v", tok)
		}
		if _, dup := fields[name]; dup {
			return nil, fmt.Errorf("duplicate name %q in an object; each name may appear once", cut(name))
		}
		v, err := next(d, depth+1)
		if err != nil {
			return nil, err
		}
		fields[name] = v
	}
	return fields, closing(d)
}

// next reads the next value, found at depth.
func next(d *json.Decoder, depth int) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, notJSON(err)
	}
	return value(d, tok, depth)
}

// closing reads the "]" or "}" that ends an array or an object: after More said none is left,
// anything else is a syntax error, such as a trailing comma.
func closing(d *json.Decoder) error {
	if _, err := d.Token(); err != nil {
		return notJSON(err)
	}
	return nil
}

func notJSON(err error) error {
	if errors.Is(err, io.EOF) {
		return errors.New("not JSON: the line ends inside a value")
	}
	return fmt.Errorf("not JSON: %v", err)
}

// cut shortens a name for a message, so that one huge name cannot make a huge message.
func cut(s string) string {
	const limit = 60
	if len(s) <= limit {
		return s
	}
	for i := limit; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "..."
		}
	}
	return s[:limit] + "..."
}

// invalidUTF8 is the offset of the first byte of b that does not start a valid UTF-8 sequence.
func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// loneSurrogate finds the first \u escape of line that leaves a lone surrogate: a high one
// (D800-DBFF) without a low one escaped right after it, or a low one (DC00-DFFF) by itself. A
// backslash appears only in strings in valid JSON, and always starts an escape there, so the
// escapes can be found without tracking the strings; an invalid line fails later anyway.
func loneSurrogate(line []byte) (at int, found bool) {
	for i := 0; i < len(line); i++ {
		if line[i] != '\\' {
			continue
		}
		r, ok := escape(line, i)
		if !ok {
			i++ // \\, \" and the like: the escaped character cannot start an escape
			continue
		}
		switch {
		case 0xD800 <= r && r <= 0xDBFF:
			low, ok := escape(line, i+6)
			if !ok || low < 0xDC00 || low > 0xDFFF {
				return i, true
			}
			i += 11
		case 0xDC00 <= r && r <= 0xDFFF:
			return i, true
		default:
			i += 5
		}
	}
	return 0, false
}

// escape reads the \uXXXX escape at line[i:], if there is one.
func escape(line []byte, i int) (rune, bool) {
	if i+6 > len(line) || line[i] != '\\' || line[i+1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range line[i+2 : i+6] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
