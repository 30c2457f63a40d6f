package vault

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

var _ backendkit.KeyBackend = (*Backend)(nil)

// ReadsKeys reports true: the backend takes members of KV entries itself
// (backendkit.KeyBackend), so the fields that name keys of one entry cost
// one read of it.
func (b *Backend) ReadsKeys() bool { return true }

// pick returns the selected field of an entry's data as text.
func (sel selector) pick(data map[string]any, ref vaultly.Ref) (string, error) {
	return pick(data, sel.key, sel.member, ref)
}

// pick returns the field key of an entry as text: strings as they are,
// numbers with their exact text, booleans as true/false, objects and arrays
// as compact JSON. A missing key is ErrNotFound naming the key. A null is
// the text "null" for a member (the key= rule every backend follows) and
// ErrNotFound for a ":key" or default-key field.
func pick(data map[string]any, key string, member bool, ref vaultly.Ref) (string, error) {
	v, ok := data[key]
	if !ok {
		return "", &vaultly.BackendError{Backend: Name, Kind: vaultly.ErrNotFound, Ref: ref,
			Msg: fmt.Sprintf("key %q not in entry", key)}
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case bool:
		return strconv.FormatBool(v), nil
	case nil:
		if member {
			return "null", nil
		}
		return "", &vaultly.BackendError{Backend: Name, Kind: vaultly.ErrNotFound, Ref: ref,
			Msg: fmt.Sprintf("key %q is null", key)}
	default:
		s, err := compactJSON(v)
		if err != nil {
			// Cannot happen for decoded JSON; the error is not passed on
			// because it could describe the value.
			return "", &vaultly.BackendError{Backend: Name, Kind: vaultly.ErrTransient, Ref: ref,
				Msg: fmt.Sprintf("key %q: value cannot be encoded as JSON", key)}
		}
		return s, nil
	}
}

// compactJSON encodes v as compact JSON without HTML escaping.
func compactJSON(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}
