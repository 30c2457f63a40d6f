package vaultly

import (
	"encoding"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// decodeFunc converts secret text into dst, which is addressable and of the
// type the decoder was built for. Its errors never contain the text.
type decodeFunc func(text string, dst reflect.Value) error

var (
	durationType        = reflect.TypeFor[time.Duration]()
	byteSliceType       = reflect.TypeFor[[]byte]()
	stringSliceType     = reflect.TypeFor[[]string]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// decoders holds the WithDecoder overrides, by exact type.
type decoders map[reflect.Type]decodeFunc

// decoderFor returns the conversion for t, or an error naming the type when
// vaultly cannot decode it. enc is applied before the conversion.
func decoderFor(t reflect.Type, enc textEnc, custom decoders) (decodeFunc, error) {
	base, err := baseDecoder(t, custom)
	if err != nil {
		return nil, err
	}
	if enc == encNone {
		return base, nil
	}
	return func(text string, dst reflect.Value) error {
		raw, err := decodeEncoding(enc, text)
		if err != nil {
			return err
		}
		return base(raw, dst)
	}, nil
}

func decodeEncoding(enc textEnc, text string) (string, error) {
	var (
		b   []byte
		err error
		n   string
	)
	switch enc {
	case encBase64:
		n = "base64"
		b, err = base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	case encBase64URL:
		n = "base64url"
		t := strings.TrimRight(strings.TrimSpace(text), "=")
		b, err = base64.RawURLEncoding.DecodeString(t)
	case encHex:
		n = "hex"
		b, err = hex.DecodeString(strings.TrimSpace(text))
	default:
		return text, nil
	}
	if err != nil {
		// base64 and hex errors carry only an offset or a byte count, but
		// a byte of the text can appear in hex.InvalidByteError: report
		// our own message and drop the cause.
		return "", decodeError("invalid %s text (%d bytes)", n, len(text))
	}
	return string(b), nil
}

func baseDecoder(t reflect.Type, custom decoders) (decodeFunc, error) {
	if fn, ok := custom[t]; ok {
		return fn, nil
	}
	switch t {
	case durationType:
		return decodeDuration, nil
	case byteSliceType:
		return func(text string, dst reflect.Value) error {
			dst.SetBytes([]byte(text))
			return nil
		}, nil
	case stringSliceType:
		return decodeStringSlice, nil
	}
	if reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return func(text string, dst reflect.Value) error {
			if err := dst.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(text)); err != nil {
				return foreignCause(fmt.Sprintf("invalid %s", t), err)
			}
			return nil
		}, nil
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshalerType) {
		return decodeJSON(t), nil
	}
	switch t.Kind() {
	case reflect.String:
		return func(text string, dst reflect.Value) error {
			dst.SetString(text)
			return nil
		}, nil
	case reflect.Bool:
		return decodeBool, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return decodeInt, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return decodeUint, nil
	case reflect.Float32, reflect.Float64:
		return decodeFloat, nil
	case reflect.Map, reflect.Slice, reflect.Array, reflect.Struct:
		if err := checkJSONable(t, map[reflect.Type]bool{}); err != nil {
			return nil, err
		}
		return decodeJSON(t), nil
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return decodeJSON(t), nil
		}
	case reflect.Pointer:
		elem, err := baseDecoder(t.Elem(), custom)
		if err != nil {
			return nil, err
		}
		return func(text string, dst reflect.Value) error {
			p := reflect.New(t.Elem())
			if err := elem(text, p.Elem()); err != nil {
				return err
			}
			dst.Set(p)
			return nil
		}, nil
	}
	return nil, fmt.Errorf("unsupported type %s", t)
}

// checkJSONable rejects types encoding/json cannot fill (channels,
// functions, complex numbers), so they fail at Load's validation, not at
// the first value.
func checkJSONable(t reflect.Type, seen map[reflect.Type]bool) error {
	if seen[t] {
		return nil
	}
	seen[t] = true
	if reflect.PointerTo(t).Implements(jsonUnmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return nil
	}
	switch t.Kind() {
	case reflect.Chan, reflect.Func, reflect.Complex64, reflect.Complex128, reflect.UnsafePointer:
		return fmt.Errorf("unsupported type %s", t)
	case reflect.Map:
		if err := checkJSONable(t.Key(), seen); err != nil {
			return err
		}
		return checkJSONable(t.Elem(), seen)
	case reflect.Slice, reflect.Array, reflect.Pointer:
		return checkJSONable(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Tag.Get("json") == "-" {
				continue
			}
			if err := checkJSONable(f.Type, seen); err != nil {
				return err
			}
		}
	}
	return nil
}

func decodeDuration(text string, dst reflect.Value) error {
	d, err := time.ParseDuration(strings.TrimSpace(text))
	if err != nil {
		return decodeError("invalid duration")
	}
	dst.SetInt(int64(d))
	return nil
}

func decodeBool(text string, dst reflect.Value) error {
	switch strings.ToLower(strings.TrimSpace(text)) {
	case "true", "1", "yes", "on":
		dst.SetBool(true)
	case "false", "0", "no", "off":
		dst.SetBool(false)
	default:
		return decodeError("invalid boolean (want true/false, 1/0, yes/no or on/off)")
	}
	return nil
}

func decodeInt(text string, dst reflect.Value) error {
	n, err := strconv.ParseInt(strings.TrimSpace(text), 10, dst.Type().Bits())
	if err != nil {
		return numError(err, dst.Type())
	}
	dst.SetInt(n)
	return nil
}

func decodeUint(text string, dst reflect.Value) error {
	n, err := strconv.ParseUint(strings.TrimSpace(text), 10, dst.Type().Bits())
	if err != nil {
		return numError(err, dst.Type())
	}
	dst.SetUint(n)
	return nil
}

func decodeFloat(text string, dst reflect.Value) error {
	n, err := strconv.ParseFloat(strings.TrimSpace(text), dst.Type().Bits())
	if err != nil {
		return numError(err, dst.Type())
	}
	dst.SetFloat(n)
	return nil
}

// numError turns a strconv error, whose text quotes the input, into one
// that does not.
func numError(err error, t reflect.Type) error {
	if errors.Is(err, strconv.ErrRange) {
		return decodeError("value out of range for %s", t)
	}
	return decodeError("invalid number for %s", t)
}

// decodeStringSlice reads a JSON array, or else SSM's StringList form: the
// text split on commas, each item trimmed of spaces.
func decodeStringSlice(text string, dst reflect.Value) error {
	trimmed := strings.TrimSpace(text)
	if strings.HasPrefix(trimmed, "[") {
		return decodeJSON(stringSliceType)(trimmed, dst)
	}
	if trimmed == "" {
		dst.Set(reflect.Zero(stringSliceType))
		return nil
	}
	parts := strings.Split(trimmed, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	dst.Set(reflect.ValueOf(parts))
	return nil
}

func decodeJSON(t reflect.Type) decodeFunc {
	return func(text string, dst reflect.Value) error {
		p := reflect.New(t)
		if err := json.Unmarshal([]byte(text), p.Interface()); err != nil {
			return jsonError(err, t)
		}
		dst.Set(p.Elem())
		return nil
	}
}

// jsonError describes a JSON failure without the text: encoding/json's
// messages can quote a character or a number of the input, and an
// UnmarshalTypeError's Field can be built from the input (a map key under
// GOEXPERIMENT=jsonv2, anything a custom UnmarshalJSON puts there), so
// only the offset of a syntax error and Go types are kept.
func jsonError(err error, t reflect.Type) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return decodeError("invalid JSON for %s at byte %d", t, syn.Offset)
	case errors.As(err, &typ) && typ.Type != nil:
		return decodeError("JSON type mismatch for %s (want %s)", t, typ.Type)
	case errors.As(err, &typ):
		return decodeError("JSON type mismatch for %s", t)
	}
	return decodeError("invalid JSON for %s", t)
}

// foreignCause wraps an error from code vaultly does not control (a
// TextUnmarshaler such as netip.Addr or time.Time, a WithDecoder function).
// Such messages often quote their input, escaped or in part, so the cause
// is kept for errors.As and errors.Is but never printed.
func foreignCause(msg string, cause error) error {
	return &conversionError{msg: msg, cause: cause}
}

// conversionError reports that a secret's text could not be converted to the
// field's type. It matches ErrConfig. Its message is vaultly's own and
// never contains the text; the cause, when there is one (the error of a
// TextUnmarshaler or a WithDecoder function), is reachable with errors.As
// but is never shown, because it may quote the value: not by Error, not
// by any fmt verb (%#v and %d included, which would otherwise print the
// fields), not by encoding/json or log/slog, and the fields are unexported
// so that Redact and encoding/json do not walk them.
type conversionError struct {
	msg   string
	cause error // from outside vaultly; may be nil; never shown
}

func decodeError(format string, args ...any) error {
	return &conversionError{msg: fmt.Sprintf(format, args...)}
}

// Error returns "decode: …", without the value or the cause's message.
func (e *conversionError) Error() string {
	if e.cause != nil {
		return "decode: " + e.msg + " (cause withheld: it may quote the value; errors.As reaches it)"
	}
	return "decode: " + e.msg
}

// Unwrap returns ErrConfig and the cause, if any.
func (e *conversionError) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrConfig}
	}
	return []error{ErrConfig, e.cause}
}

// Format prints Error() for every verb, as fmt does for %v, %s, %q, %x and
// %X (with their flags), and GoString for %#v; the cause's fields never.
func (e *conversionError) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = io.WriteString(f, e.GoString())
	case strings.ContainsRune("vsqxX", verb):
		fmt.Fprintf(f, fmt.FormatString(f, verb), e.Error())
	default:
		fmt.Fprintf(f, "%%!%c(%s)", verb, e.Error())
	}
}

// GoString names the cause's type only: &vaultly.conversionError{msg:"invalid
// time.Time", cause:(*time.ParseError)(withheld)}.
func (e *conversionError) GoString() string {
	cause := "nil"
	if e.cause != nil {
		cause = fmt.Sprintf("(%T)(withheld)", e.cause)
	}
	return fmt.Sprintf("&vaultly.conversionError{msg:%q, cause:%s}", e.msg, cause)
}

// MarshalJSON writes Error() as a JSON string, as log/slog shows an error.
func (e *conversionError) MarshalJSON() ([]byte, error) { return json.Marshal(e.Error()) }

// customDecoder adapts a typed WithDecoder function.
func customDecoder[T any](fn func(string) (T, error)) decodeFunc {
	name := reflect.TypeFor[T]().String()
	return func(text string, dst reflect.Value) error {
		v, err := fn(text)
		if err != nil {
			return foreignCause("custom decoder for "+name+" failed", err)
		}
		*(dst.Addr().Interface().(*T)) = v
		return nil
	}
}
