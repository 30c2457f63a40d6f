package vaultly

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unsafe"
)

// Redact returns a value that prints, marshals to JSON and logs like v with
// every secret-tagged field, plain or Secret[T], shown as "***". It is
// meant for the startup log line:
//
//	slog.Info("config loaded", "config", vaultly.Redact(cfg))
//	fmt.Printf("%v\n", vaultly.Redact(&cfg))
//
// v is usually a struct or a pointer to one, but any value works: the walk
// follows pointers, interfaces, slices, arrays and maps at any depth, and a
// pointer cycle prints "<cycle>". Unexported struct fields are left out, as
// encoding/json does. The walk happens each time the value is printed.
func Redact(v any) any {
	if r, ok := v.(*redacted); ok {
		return r
	}
	return &redacted{v: v}
}

// redacted is a pointer type so that fmt's %p shows the wrapper's address
// rather than falling back to printing the wrapped fields.
type redacted struct{ v any }

// tree maps the wrapped value to its masked form; String, Format,
// MarshalJSON and LogValue all render this one result.
func (r *redacted) tree() any {
	if r == nil {
		return nil
	}
	w := walker{path: map[visit]struct{}{}}
	return w.value(reflect.ValueOf(r.v))
}

// String renders like %+v: {Stage:prod DB:{Password:*** PoolSize:***}}.
func (r *redacted) String() string { return fmt.Sprintf("%+v", r.tree()) }

// Format prints the same text for every verb (quoted for %q).
func (r *redacted) Format(f fmt.State, verb rune) {
	s := r.String()
	if verb == 'q' {
		s = strconv.Quote(s)
	}
	_, _ = io.WriteString(f, s)
}

// MarshalJSON writes the masked value, honouring json field names and "-".
func (r *redacted) MarshalJSON() ([]byte, error) { return marshalJSON(r.tree()) }

// LogValue makes slog print a struct as a group with masked secrets.
func (r *redacted) LogValue() slog.Value { return logValue(r.tree()) }

// cycleMark replaces a pointer, slice or map met again on its own path.
const cycleMark = "<cycle>"

// visit identifies a pointer, slice or map on the current walk path.
type visit struct {
	p unsafe.Pointer
	n int
	t reflect.Type
}

type walker struct{ path map[visit]struct{} }

// value maps v to its masked form: secrets become "***", values of types
// that cannot hold secrets stay as they are (so fmt and encoding/json print
// them natively), structs become fieldList, slices and arrays []any, maps
// map[K]any (or map[string]any when the key type may hold secrets).
func (w *walker) value(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	switch classOf(v.Type()) {
	case classSecret:
		return mask
	case classPlain:
		return v.Interface()
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return w.enter(visit{p: v.UnsafePointer(), t: v.Type()}, func() any { return w.value(v.Elem()) })
	case reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return w.value(v.Elem())
	case reflect.Struct:
		return w.structValue(v)
	case reflect.Slice:
		if v.IsNil() {
			return []any(nil)
		}
		if v.Len() == 0 {
			return []any{}
		}
		return w.enter(visit{p: v.UnsafePointer(), n: v.Len(), t: v.Type()}, func() any { return w.elems(v) })
	case reflect.Array:
		return w.elems(v)
	case reflect.Map:
		return w.mapValue(v)
	}
	// classWalk is only given to the kinds above.
	return nil
}

// enter runs f with key on the path, or returns cycleMark if it is there.
func (w *walker) enter(key visit, f func() any) any {
	if _, ok := w.path[key]; ok {
		return cycleMark
	}
	w.path[key] = struct{}{}
	defer delete(w.path, key)
	return f()
}

func (w *walker) elems(v reflect.Value) any {
	out := make([]any, v.Len())
	for i := range out {
		out[i] = w.value(v.Index(i))
	}
	return out
}

func (w *walker) mapValue(v reflect.Value) any {
	t := v.Type()
	if classOf(t.Key()) != classPlain {
		// Keys that may hold secrets are shown by their masked text.
		out := map[string]any{}
		if v.IsNil() {
			return out
		}
		return w.enter(visit{p: v.UnsafePointer(), t: t}, func() any {
			for it := v.MapRange(); it.Next(); {
				out[fmt.Sprintf("%+v", w.value(it.Key()))] = w.value(it.Value())
			}
			return out
		})
	}
	mt := reflect.MapOf(t.Key(), reflect.TypeFor[any]())
	if v.IsNil() {
		return reflect.Zero(mt).Interface()
	}
	return w.enter(visit{p: v.UnsafePointer(), t: t}, func() any {
		out := reflect.MakeMapWithSize(mt, v.Len())
		for it := v.MapRange(); it.Next(); {
			val := w.value(it.Value())
			ev := reflect.New(mt.Elem()).Elem()
			if val != nil {
				ev.Set(reflect.ValueOf(val))
			}
			out.SetMapIndex(it.Key(), ev)
		}
		return out.Interface()
	})
}

func (w *walker) structValue(v reflect.Value) any {
	plan := structPlanOf(v.Type())
	out := make(fieldList, len(plan))
	for i, p := range plan {
		out[i] = rfield{name: p.name, jsonName: p.jsonName, omit: p.omit, val: mask}
		if !p.masked {
			out[i].val = w.value(v.Field(p.index))
		}
	}
	return out
}

// rfield is one exported struct field in the masked view.
type rfield struct {
	name, jsonName string
	omit           bool // json:"-"
	val            any
}

// fieldList is a struct in the masked view, fields in declaration order.
type fieldList []rfield

// String renders {A:x B:y}, each value as %+v.
func (l fieldList) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range l {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f.name)
		b.WriteByte(':')
		fmt.Fprintf(&b, "%+v", f.val)
	}
	b.WriteByte('}')
	return b.String()
}

// MarshalJSON writes an object keyed by json names, without "-" fields.
func (l fieldList) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	for _, f := range l {
		if f.omit {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		if err := appendJSON(&b, f.jsonName); err != nil {
			return nil, err
		}
		b.WriteByte(':')
		if err := appendJSON(&b, f.val); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// LogValue returns a group of the fields under their Go names.
func (l fieldList) LogValue() slog.Value {
	attrs := make([]slog.Attr, len(l))
	for i, f := range l {
		attrs[i] = slog.Attr{Key: f.name, Value: logValue(f.val)}
	}
	return slog.GroupValue(attrs...)
}

func logValue(v any) slog.Value {
	if l, ok := v.(fieldList); ok {
		return l.LogValue()
	}
	return slog.AnyValue(v)
}

func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := appendJSON(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// appendJSON encodes v without HTML escaping; json.Marshal escapes the
// whole result once more if its caller wants that.
func appendJSON(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode's newline
	return nil
}

// typeClass says how the walk treats a type.
type typeClass uint8

const (
	classPlain  typeClass = iota // cannot hold a secret: printed as it is
	classSecret                  // a Secret[T]: printed as "***"
	classWalk                    // may hold a secret: walked
)

var typeClasses sync.Map // reflect.Type -> typeClass

func classOf(t reflect.Type) typeClass {
	if c, ok := typeClasses.Load(t); ok {
		return c.(typeClass)
	}
	c := classPlain
	switch {
	case isSecretType(t):
		c = classSecret
	case holdsSecretParts(t, true, map[reflect.Type]bool{}):
		c = classWalk
	}
	typeClasses.Store(t, c)
	return c
}

// fieldPlan is how one exported struct field is shown.
type fieldPlan struct {
	index          int
	name, jsonName string
	omit, masked   bool
}

var structPlans sync.Map // reflect.Type -> []fieldPlan

func structPlanOf(t reflect.Type) []fieldPlan {
	if p, ok := structPlans.Load(t); ok {
		return p.([]fieldPlan)
	}
	plan := make([]fieldPlan, 0, t.NumField())
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		p := fieldPlan{index: i, name: sf.Name, jsonName: sf.Name}
		if tag, ok := sf.Tag.Lookup("json"); ok {
			n, _, hasOpts := strings.Cut(tag, ",")
			switch {
			case n == "-" && !hasOpts:
				p.omit = true
			case n != "":
				p.jsonName = n
			}
		}
		_, tagged := sf.Tag.Lookup(tagName)
		p.masked = tagged || isSecretType(sf.Type)
		plan = append(plan, p)
	}
	p, _ := structPlans.LoadOrStore(t, plan)
	return p.([]fieldPlan)
}
