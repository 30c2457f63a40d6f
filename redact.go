package vaultly

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
)

// Redact returns a value that prints, marshals to JSON and logs like v with
// every secret-tagged field, plain or Secret[T], shown as "***". It is
// meant for the startup log line:
//
//	slog.Info("config loaded", "config", vaultly.Redact(cfg))
//	fmt.Printf("%v\n", vaultly.Redact(&cfg))
//
// v is a struct or a pointer to one; unexported fields are left out, as
// encoding/json does. The walk happens when the value is printed.
func Redact(v any) any { return redacted{v: v} }

type redacted struct{ v any }

// field is one exported struct field in the redacted view.
type rfield struct {
	name, jsonName string
	omit           bool
	masked         bool
	val            reflect.Value
}

func fieldsOf(v reflect.Value) ([]rfield, bool) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil, false
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct || isSecretType(v.Type()) || !holdsSecrets(v.Type(), map[reflect.Type]bool{}) {
		return nil, false
	}
	t := v.Type()
	out := make([]rfield, 0, t.NumField())
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		f := rfield{name: sf.Name, jsonName: sf.Name, val: v.Field(i)}
		if tag, ok := sf.Tag.Lookup("json"); ok {
			n, _, _ := strings.Cut(tag, ",")
			if n == "-" {
				f.omit = true
			} else if n != "" {
				f.jsonName = n
			}
		}
		_, f.masked = sf.Tag.Lookup(tagName)
		f.masked = f.masked || isSecretType(sf.Type)
		out = append(out, f)
	}
	return out, true
}

// String renders like %+v: {Stage:prod DB:{Password:*** PoolSize:***}}.
func (r redacted) String() string {
	var b strings.Builder
	writeText(&b, reflect.ValueOf(r.v))
	return b.String()
}

// Format prints the same text for every verb (quoted for %q).
func (r redacted) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", r.String())
		return
	}
	fmt.Fprint(f, r.String())
}

func writeText(b *strings.Builder, v reflect.Value) {
	fields, ok := fieldsOf(v)
	if !ok {
		if v.IsValid() && v.CanInterface() {
			fmt.Fprintf(b, "%v", v.Interface())
		} else {
			b.WriteString("<nil>")
		}
		return
	}
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f.name)
		b.WriteByte(':')
		if f.masked {
			b.WriteString(mask)
			continue
		}
		writeText(b, f.val)
	}
	b.WriteByte('}')
}

// MarshalJSON writes the struct as a JSON object with masked secrets,
// honouring json field names and "-".
func (r redacted) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := writeJSON(&b, reflect.ValueOf(r.v)); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeJSON(b *bytes.Buffer, v reflect.Value) error {
	fields, ok := fieldsOf(v)
	if !ok {
		if !v.IsValid() {
			b.WriteString("null")
			return nil
		}
		out, err := json.Marshal(v.Interface())
		if err != nil {
			return err
		}
		b.Write(out)
		return nil
	}
	b.WriteByte('{')
	first := true
	for _, f := range fields {
		if f.omit {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		key, _ := json.Marshal(f.jsonName)
		b.Write(key)
		b.WriteByte(':')
		if f.masked {
			b.WriteString(`"***"`)
			continue
		}
		if err := writeJSON(b, f.val); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	return nil
}

// LogValue makes slog print the struct as a group with masked secrets.
func (r redacted) LogValue() slog.Value { return logValue(reflect.ValueOf(r.v)) }

func logValue(v reflect.Value) slog.Value {
	fields, ok := fieldsOf(v)
	if !ok {
		if !v.IsValid() {
			return slog.AnyValue(nil)
		}
		return slog.AnyValue(v.Interface())
	}
	attrs := make([]slog.Attr, 0, len(fields))
	for _, f := range fields {
		if f.masked {
			attrs = append(attrs, slog.String(f.name, mask))
			continue
		}
		attrs = append(attrs, slog.Attr{Key: f.name, Value: logValue(f.val)})
	}
	return slog.GroupValue(attrs...)
}

// holdsSecrets reports whether a struct type has secret-tagged or Secret
// fields at any depth; other structs (time.Time, say) print as they are.
func holdsSecrets(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	for i := range t.NumField() {
		f := t.Field(i)
		if _, ok := f.Tag.Lookup(tagName); ok || isSecretType(f.Type) {
			return true
		}
		if st, _, ok := structTarget(f.Type); ok && holdsSecrets(st, seen) {
			return true
		}
	}
	return false
}
