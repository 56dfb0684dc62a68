package protocol

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// maxLineBytes is the longest line the contract allows, not counting its line end.
const maxLineBytes = 16 << 20

var errLineTooLong = fmt.Errorf("the line is longer than %d bytes; send each request on a line of its own, of at most that many bytes", maxLineBytes)

// lines reads the request lines of the input as the contract defines them: a line ends at
// "\n" alone, one "\r" before it is dropped, and a line holding only spaces, tabs and "\r" is
// blank, skipped but counted. bufio.Scanner would do most of this, but it cuts lines at 64 KiB
// unless told otherwise and drops a final "\r" that has no "\n" after it.
type lines struct {
	in *bufio.Reader
	// n is the number of the line last read, or of the line a read failed on.
	n   int
	buf []byte
}

func newLines(r io.Reader) *lines {
	return &lines{in: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next line that is not blank, without its line end; io.EOF at the end of the
// input. The line is valid until the next call.
func (l *lines) next() ([]byte, error) {
	for {
		l.n++
		line, err := l.read()
		if err != nil {
			return nil, err
		}
		if len(bytes.Trim(line, " \t\r")) > 0 {
			return line, nil
		}
	}
}

// read returns the next line, blank or not. A line found too long is not read to its end: the
// input is unusable as a whole, so nothing after it will be read.
func (l *lines) read() ([]byte, error) {
	l.buf = l.buf[:0]
	for {
		chunk, err := l.in.ReadSlice('\n')
		l.buf = append(l.buf, chunk...)
		switch {
		case err == nil:
			line := bytes.TrimSuffix(l.buf[:len(l.buf)-1], []byte("\r"))
			if len(line) > maxLineBytes {
				return nil, errLineTooLong
			}
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			// Still no line end: one more byte may yet be a "\r" to drop, no more.
			if len(l.buf) > maxLineBytes+1 {
				return nil, errLineTooLong
			}
		case errors.Is(err, io.EOF):
			// The last line needs no "\n"; a "\r" at its end is part of it.
			if len(l.buf) == 0 {
				return nil, io.EOF
			}
			if len(l.buf) > maxLineBytes {
				return nil, errLineTooLong
			}
			return l.buf, nil
		default:
			return nil, fmt.Errorf("reading standard input: %w", err)
		}
	}
}
