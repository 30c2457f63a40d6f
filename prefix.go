package vaultly

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// The prefix tag option loads every secret under a folder into a
// map[string]T (or a Secret[map[string]T]) through prefixBackend. The
// answer travels through the cache as one text, the JSON object of the
// secrets' texts by the rest of their paths (prefixText), so a prefix
// field has one entry, one fetch and one expiry like any other, and its
// decoder (prefixDecoder) turns that text into the map, each value
// decoded to T.

// isPrefixMap reports whether t can hold a prefix: a map whose keys are
// of a string kind.
func isPrefixMap(t reflect.Type) bool {
	return t.Kind() == reflect.Map && t.Key().Kind() == reflect.String
}

// prefixText checks the backend's answer for the prefix k and encodes it
// for the cache. Nothing under the prefix is ErrNotFound; more entries
// than k.max is an ErrConfig error naming the bound. Neither names an
// entry or quotes a value.
func prefixText(k slotKey, m map[string]string) (string, error) {
	switch {
	case len(m) == 0:
		return "", &BackendError{Kind: ErrNotFound, Ref: k.ref, Msg: "no secret under the prefix"}
	case len(m) > k.max:
		return "", &BackendError{Kind: ErrConfig, Ref: k.ref, Msg: fmt.Sprintf(
			"more than %d secrets under the prefix: past the bound (max=%d); raise it with the max option if that many are meant", k.max, k.max)}
	}
	b, err := json.Marshal(m)
	if err != nil { // not expected: a map of strings always encodes
		return "", decodeError("prefix answer cannot be encoded")
	}
	return string(b), nil
}

// emptyPrefix is the text of a prefix with nothing under it: what an
// optional prefix field decodes when the backend finds nothing.
const emptyPrefix = "{}"

// fieldDecoder is the decoder of f's value: the rule for its type, or for
// a prefix field the rule for the map's values, applied to each.
func fieldDecoder(f *planField, custom decoders) (decodeFunc, error) {
	if !f.spec.prefix {
		return decoderFor(f.typ, f.spec.enc, custom)
	}
	elem, err := decoderFor(f.typ.Elem(), f.spec.enc, custom)
	if err != nil {
		return nil, err
	}
	return prefixDecoder(f.typ, elem), nil
}

// prefixDecoder decodes prefixText's text into a new map of type t, each
// value with elem. A value that does not decode is an error naming its
// map key (the first in sorted order, so the error is the same at every
// decode), never the value. Secret.Get of a map decodes afresh on every
// call (own, in secret.go), so the keys are not sorted to find it.
func prefixDecoder(t reflect.Type, elem decodeFunc) decodeFunc {
	return func(text string, dst reflect.Value) error {
		var raw map[string]string
		if err := json.Unmarshal([]byte(text), &raw); err != nil {
			return decodeError("invalid prefix answer") // not expected: prefixText made it
		}
		m := reflect.MakeMapWithSize(t, len(raw))
		var badKey string
		var badErr error
		v := reflect.New(t.Elem()).Elem() // one value, copied into the map
		for k, s := range raw {
			v.SetZero()
			if err := elem(s, v); err != nil {
				if badErr == nil || k < badKey {
					badKey, badErr = k, err
				}
				continue
			}
			if badErr == nil {
				m.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), v)
			}
		}
		if badErr != nil {
			return keyedError(badKey, badErr)
		}
		dst.Set(m)
		return nil
	}
}

// keyedError is err, the failure to decode the value under the map key k,
// with the key named in front of it; the cause stays withheld.
func keyedError(k string, err error) error {
	var ce *conversionError
	if errors.As(err, &ce) {
		return &conversionError{msg: fmt.Sprintf("map key %q: %s", k, ce.msg), cause: ce.cause}
	}
	return &conversionError{msg: fmt.Sprintf("map key %q: invalid value", k), cause: err}
}
