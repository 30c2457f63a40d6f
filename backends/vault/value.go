package vault

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/vaultly/vaultly"
)

// pick returns the field key of an entry as text: strings as they are,
// numbers with their exact text, booleans as true/false, objects and arrays
// as compact JSON. A missing key or a null is ErrNotFound naming the key.
func pick(data map[string]any, key string, ref vaultly.Ref) (string, error) {
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
		return "", &vaultly.BackendError{Backend: Name, Kind: vaultly.ErrNotFound, Ref: ref,
			Msg: fmt.Sprintf("key %q is null", key)}
	default:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			// Cannot happen for decoded JSON; the error is not passed on
			// because it could describe the value.
			return "", &vaultly.BackendError{Backend: Name, Kind: vaultly.ErrTransient, Ref: ref,
				Msg: fmt.Sprintf("key %q: value cannot be encoded as JSON", key)}
		}
		return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
	}
}
