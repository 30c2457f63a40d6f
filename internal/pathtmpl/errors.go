package pathtmpl

import (
	"errors"
	"strconv"
)

// Sentinels matched by the Err of an *Error.
var (
	// ErrSyntax: the template text is malformed (Parse).
	ErrSyntax = errors.New("template syntax error")
	// ErrNoValue: a variable has no value (Render).
	ErrNoValue = errors.New("no value for template variable")
	// ErrBadValue: a variable's value is empty, contains '/', or is "."
	// or ".." (Render).
	ErrBadValue = errors.New("bad value for template variable")
)

// Error is a parse or render error. Error() reads like
//
//	template "/db/<a.b>/x": at byte 4: invalid variable name "a.b"
//
// The position counts bytes from the start of the template, from 0: the
// '<' of the placeholder at fault, or where the malformed text begins.
type Error struct {
	Template string // the template text
	Pos      int    // byte offset of the offending text in Template
	Msg      string // what is wrong, quoting the offending text
	Err      error  // ErrSyntax, ErrNoValue or ErrBadValue
}

func (e *Error) Error() string {
	return "template " + quote(e.Template) + ": at byte " + strconv.Itoa(e.Pos) + ": " + e.Msg
}

// Unwrap returns the sentinel, for errors.Is.
func (e *Error) Unwrap() error { return e.Err }

func quote(s string) string { return strconv.Quote(s) }
