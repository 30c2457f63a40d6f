// Package jsonkey takes one member out of a JSON object: the rule behind
// the key= tag option, shared by the core and by wrappers that pick members
// for the backends they hold. Its errors never quote the document.
package jsonkey

import (
	"encoding/json"
	"errors"
)

var (
	// ErrNotObject reports a document that is not a JSON object.
	ErrNotObject = errors.New("value is not a JSON object")
	// ErrNoMember reports an object without the requested member.
	ErrNoMember = errors.New("no such key in the JSON object")
)

// Member returns the member key of the JSON object doc: a string member as
// its text, any other member (a number, a bool, null, an object, an array)
// as its JSON text. The errors are ErrNotObject and ErrNoMember, which
// quote neither the document nor the key.
func Member(doc, key string) (string, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &obj); err != nil || obj == nil {
		return "", ErrNotObject
	}
	raw, ok := obj[key]
	if !ok {
		return "", ErrNoMember
	}
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", ErrNotObject
		}
		return s, nil
	}
	return string(raw), nil
}
