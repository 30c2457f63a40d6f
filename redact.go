package vaultly

import (
	"bytes"
	"cmp"
	"encoding"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unsafe"
)

// Redact returns a value that prints, marshals to JSON and logs like v with
// every secret-tagged field, plain or Secret[T], shown as "***", except a
// plain field whose tag has the public option, which shows its value. A
// Secret stays masked even with public: Redact never reads a cache. It is
// meant for the startup log line:
//
//	slog.Info("config loaded", "config", vaultly.Redact(cfg))
//	fmt.Printf("%v\n", vaultly.Redact(&cfg))
//
// v is usually a struct or a pointer to one, but any value works: the walk
// follows pointers, interfaces, slices, arrays and maps, and a pointer
// cycle prints "<cycle>". A value nested more than 100 levels deep (each
// pointer, struct, slice, array and map is a level) prints "<too deep>".
// An error prints as its Error() text, never by its fields (unless its
// type holds secret-tagged fields, which are walked and masked). Unexported
// struct fields are left out, as encoding/json does. The walk happens each
// time the value is printed, and its cost is linear in the size of what is
// printed.
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
func (r *redacted) String() string { return textOf(r.tree()) }

// Format prints the same text for every verb (quoted for %q).
func (r *redacted) Format(f fmt.State, verb rune) {
	s := r.String()
	if verb == 'q' {
		s = strconv.Quote(s)
	}
	_, _ = io.WriteString(f, s)
}

// MarshalJSON writes the masked value, honouring json field names and "-".
func (r *redacted) MarshalJSON() ([]byte, error) { return jsonOf(r.tree()) }

// LogValue makes slog print a struct as a group with masked secrets.
func (r *redacted) LogValue() slog.Value { return logValue(r.tree()) }

const (
	// cycleMark replaces a pointer, slice or map met again on its own path.
	cycleMark = "<cycle>"
	// tooDeepMark replaces a value nested deeper than maxRedactDepth.
	tooDeepMark = "<too deep>"
	// maxRedactDepth is how many pointers, structs, slices, arrays and maps
	// the walk enters, one inside the other, before it prints tooDeepMark.
	// It bounds the walk's recursion and the nesting of its output (which
	// encoding/json would refuse past 10000 levels).
	maxRedactDepth = 100
)

// visit identifies a pointer, slice or map on the current walk path.
type visit struct {
	p unsafe.Pointer
	n int
	t reflect.Type
}

type walker struct {
	path  map[visit]struct{}
	depth int // pointers, structs, slices, arrays and maps entered
}

// value maps v to its masked form: secrets become "***", values of types
// that cannot hold secrets stay as they are (so fmt and encoding/json print
// them natively), errors become their Error() text, structs become
// fieldList, slices and arrays listNode, maps mapNode.
func (w *walker) value(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	switch classOf(v.Type()) {
	case classSecret:
		return mask
	case classPlain:
		return v.Interface()
	case classError:
		return errorText(v)
	}
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return w.value(v.Elem())
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
	case reflect.Slice:
		if v.IsNil() {
			return listNode(nil)
		}
		if v.Len() == 0 {
			return listNode{}
		}
	case reflect.Map:
		if v.IsNil() {
			return &mapNode{typ: v.Type(), isNil: true, masked: classOf(v.Type().Key()) != classPlain}
		}
	}
	if w.depth >= maxRedactDepth {
		return tooDeepMark
	}
	w.depth++
	defer func() { w.depth-- }()
	switch v.Kind() {
	case reflect.Pointer:
		return w.enter(visit{p: v.UnsafePointer(), t: v.Type()}, func() any { return w.value(v.Elem()) })
	case reflect.Struct:
		return w.structValue(v)
	case reflect.Slice:
		return w.enter(visit{p: v.UnsafePointer(), n: v.Len(), t: v.Type()}, func() any { return w.elems(v) })
	case reflect.Array:
		return w.elems(v)
	case reflect.Map:
		return w.enter(visit{p: v.UnsafePointer(), t: v.Type()}, func() any { return w.mapValue(v) })
	}
	// classWalk is only given to the kinds above.
	return nil
}

// errorText is an error's Error() text, or nil for a nil pointer. A panic
// in Error is reported, not passed on, as fmt does.
func errorText(v reflect.Value) (out any) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan:
		if v.IsNil() {
			return nil
		}
	}
	defer func() {
		if recover() != nil {
			out = "<Error method panicked>"
		}
	}()
	return v.Interface().(error).Error()
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
	out := make(listNode, v.Len())
	for i := range out {
		out[i] = w.value(v.Index(i))
	}
	return out
}

func (w *walker) mapValue(v reflect.Value) any {
	t := v.Type()
	m := &mapNode{typ: t, masked: classOf(t.Key()) != classPlain}
	if m.masked {
		// Keys that may hold secrets are shown by their masked text; two
		// keys with the same text are one entry.
		byText := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			byText[textOf(w.value(it.Key()))] = w.value(it.Value())
		}
		m.keys = make([]mapKey, 0, len(byText))
		for k := range byText {
			m.keys = append(m.keys, mapKey{text: k})
		}
		slices.SortFunc(m.keys, func(a, b mapKey) int { return strings.Compare(a.text, b.text) })
		m.vals = make([]any, len(m.keys))
		for i, k := range m.keys {
			m.vals[i] = byText[k.text]
		}
		return m
	}
	// Plain keys print as they are, in fmt's order (which JSON re-sorts).
	m.keys = make([]mapKey, 0, v.Len())
	for it := v.MapRange(); it.Next(); {
		m.keys = append(m.keys, mapKey{v: it.Key(), val: w.value(it.Value())})
	}
	slices.SortStableFunc(m.keys, func(a, b mapKey) int { return compareKeys(a.v, b.v) })
	m.vals = make([]any, len(m.keys))
	for i := range m.keys {
		m.vals[i], m.keys[i].val = m.keys[i].val, nil
	}
	return m
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

// listNode is a slice or an array in the masked view; nil for a nil slice.
type listNode []any

// mapNode is a map in the masked view, entries in fmt's order. When the
// key type may hold secrets (masked), keys are their masked text, else the
// keys themselves.
type mapNode struct {
	typ    reflect.Type
	masked bool
	isNil  bool
	keys   []mapKey
	vals   []any
}

type mapKey struct {
	text string        // masked keys
	v    reflect.Value // plain keys
	val  any           // scratch while sorting
}

// The masked view renders itself (String for fmt, MarshalJSON for
// encoding/json and slog's JSON handler) into one buffer per call, so that
// the work is linear in the output: a node never renders its children into
// a string of their own that the parent then copies.

// String renders {A:x B:y}, each value as %+v.
func (l fieldList) String() string { return textOf(l) }

// MarshalJSON writes an object keyed by json names, without "-" fields.
func (l fieldList) MarshalJSON() ([]byte, error) { return jsonOf(l) }

// LogValue returns a group of the fields under their Go names.
func (l fieldList) LogValue() slog.Value {
	attrs := make([]slog.Attr, len(l))
	for i, f := range l {
		attrs[i] = slog.Attr{Key: f.name, Value: logValue(f.val)}
	}
	return slog.GroupValue(attrs...)
}

// String renders [a b], as fmt prints a slice.
func (l listNode) String() string { return textOf(l) }

// MarshalJSON writes an array, or null for a nil slice.
func (l listNode) MarshalJSON() ([]byte, error) { return jsonOf(l) }

// String renders map[k:v ...], as fmt prints a map.
func (m *mapNode) String() string { return textOf(m) }

// MarshalJSON writes an object keyed as encoding/json keys a map.
func (m *mapNode) MarshalJSON() ([]byte, error) { return jsonOf(m) }

func logValue(v any) slog.Value {
	if l, ok := v.(fieldList); ok {
		return l.LogValue()
	}
	return slog.AnyValue(v)
}

// textOf renders a masked view as fmt's %+v would print it.
func textOf(v any) string {
	var b []byte
	b = appendText(b, v, true)
	return string(b)
}

// appendText appends v as fmt's %+v prints it. top is true where fmt would
// print v as an argument of its own (the whole view, a struct field's
// value) and false inside a slice or map, where fmt prints a pointer to a
// struct as an address rather than as &{...}.
func appendText(b []byte, v any, top bool) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "<nil>"...)
	case string:
		return append(b, v...)
	case fieldList:
		b = append(b, '{')
		for i, f := range v {
			if i > 0 {
				b = append(b, ' ')
			}
			b = append(b, f.name...)
			b = append(b, ':')
			b = appendText(b, f.val, true)
		}
		return append(b, '}')
	case listNode:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ' ')
			}
			b = appendText(b, e, false)
		}
		return append(b, ']')
	case *mapNode:
		b = append(b, "map["...)
		for i, k := range v.keys {
			if i > 0 {
				b = append(b, ' ')
			}
			if v.masked {
				b = append(b, k.text...)
			} else {
				b = appendText(b, k.v.Interface(), false)
			}
			b = append(b, ':')
			b = appendText(b, v.vals[i], false)
		}
		return append(b, ']')
	}
	if top {
		return fmt.Appendf(b, "%+v", v)
	}
	// fmt prints a slice's element as it prints it here, at depth one:
	// print a one-element slice and drop the brackets.
	start := len(b)
	b = fmt.Appendf(b, "%+v", []any{v})
	copy(b[start:], b[start+1:len(b)-1])
	return b[:len(b)-2]
}

// jsonOf renders a masked view as encoding/json would marshal it, without
// HTML escaping: json.Marshal escapes the whole result once more if its
// caller wants that.
func jsonOf(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := appendJSON(&buf, enc, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func appendJSON(b *bytes.Buffer, enc *json.Encoder, v any) error {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
		return nil
	case fieldList:
		b.WriteByte('{')
		first := true
		for _, f := range v {
			if f.omit {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			if err := encodeLeaf(b, enc, f.jsonName); err != nil {
				return err
			}
			b.WriteByte(':')
			if err := appendJSON(b, enc, f.val); err != nil {
				return err
			}
		}
		b.WriteByte('}')
		return nil
	case listNode:
		if v == nil {
			b.WriteString("null")
			return nil
		}
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := appendJSON(b, enc, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	case *mapNode:
		return v.appendJSON(b, enc)
	}
	return encodeLeaf(b, enc, v)
}

// encodeLeaf writes v as encoding/json does.
func encodeLeaf(b *bytes.Buffer, enc *json.Encoder, v any) error {
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode's newline
	return nil
}

// appendJSON writes the map as encoding/json writes a map: null when nil
// (an empty object when the keys were masked), keys as their text (string
// kinds, then TextMarshaler, then integers), sorted; other key types are
// an error, as they are for encoding/json.
func (m *mapNode) appendJSON(b *bytes.Buffer, enc *json.Encoder) error {
	if m.isNil && !m.masked {
		b.WriteString("null")
		return nil
	}
	type entry struct {
		name string
		val  any
	}
	entries := make([]entry, len(m.keys))
	if m.masked {
		for i, k := range m.keys {
			entries[i] = entry{k.text, m.vals[i]}
		}
	} else {
		kt := m.typ.Key()
		switch kt.Kind() {
		case reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		default:
			if !kt.Implements(textMarshalerType) {
				return &json.UnsupportedTypeError{Type: m.typ}
			}
		}
		for i, k := range m.keys {
			name, err := jsonKeyName(k.v)
			if err != nil {
				return fmt.Errorf("json: encoding error for type %q: %q", m.typ.String(), err.Error())
			}
			entries[i] = entry{name, m.vals[i]}
		}
		slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	}
	b.WriteByte('{')
	for i, e := range entries {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := encodeLeaf(b, enc, e.name); err != nil {
			return err
		}
		b.WriteByte(':')
		if err := appendJSON(b, enc, e.val); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	return nil
}

// jsonKeyName is encoding/json's name for a map key.
func jsonKeyName(k reflect.Value) (string, error) {
	if k.Kind() == reflect.String {
		return k.String(), nil
	}
	if tm, ok := k.Interface().(encoding.TextMarshaler); ok {
		if k.Kind() == reflect.Pointer && k.IsNil() {
			return "", nil
		}
		b, err := tm.MarshalText()
		return string(b), err
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), nil
	}
	return "", fmt.Errorf("unexpected map key type %s", k.Type())
}

// compareKeys orders map keys as fmt prints them (internal/fmtsort): numbers
// and strings by value, false before true, pointers and channels by
// address, structs and arrays field by field. Keys the walk leaves plain
// hold no interfaces, so fmtsort's rule for those is not needed.
func compareKeys(a, b reflect.Value) int {
	switch a.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return cmp.Compare(a.Int(), b.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return cmp.Compare(a.Uint(), b.Uint())
	case reflect.String:
		return cmp.Compare(a.String(), b.String())
	case reflect.Float32, reflect.Float64:
		return cmp.Compare(a.Float(), b.Float())
	case reflect.Complex64, reflect.Complex128:
		if c := cmp.Compare(real(a.Complex()), real(b.Complex())); c != 0 {
			return c
		}
		return cmp.Compare(imag(a.Complex()), imag(b.Complex()))
	case reflect.Bool:
		switch {
		case a.Bool() == b.Bool():
			return 0
		case a.Bool():
			return 1
		}
		return -1
	case reflect.Pointer, reflect.UnsafePointer, reflect.Chan:
		return cmp.Compare(a.Pointer(), b.Pointer())
	case reflect.Struct:
		for i := range a.NumField() {
			if c := compareKeys(a.Field(i), b.Field(i)); c != 0 {
				return c
			}
		}
	case reflect.Array:
		for i := range a.Len() {
			if c := compareKeys(a.Index(i), b.Index(i)); c != 0 {
				return c
			}
		}
	}
	return 0
}

// typeClass says how the walk treats a type.
type typeClass uint8

const (
	classPlain  typeClass = iota // cannot hold a secret: printed as it is
	classSecret                  // a Secret[T]: printed as "***"
	classWalk                    // may hold a secret: walked
	classError                   // an error with no secret-tagged field: its Error() text
)

var (
	typeClasses sync.Map // reflect.Type -> typeClass
	errorType   = reflect.TypeFor[error]()
)

func classOf(t reflect.Type) typeClass {
	if c, ok := typeClasses.Load(t); ok {
		return c.(typeClass)
	}
	c := classPlain
	switch {
	case isSecretType(t):
		c = classSecret
	case t.Kind() != reflect.Interface && t.Implements(errorType) && !holdsSecretParts(t, false, map[reflect.Type]bool{}):
		// An error is shown as fmt shows it, by its Error() text: its
		// fields may hold what Error() withholds (a decode error's cause).
		c = classError
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
		tag, tagged := sf.Tag.Lookup(tagName)
		p.masked = isSecretType(sf.Type) || tagged && !isPublic(tag)
		plan = append(plan, p)
	}
	p, _ := structPlans.LoadOrStore(t, plan)
	return p.([]fieldPlan)
}

// isPublic reports whether a secret tag marks its value as public
// configuration that Redact shows. A tag that does not parse is not
// public: Load refuses it, and Redact keeps the field masked.
func isPublic(tag string) bool {
	spec, err := parseTag(tag)
	return err == nil && spec.public
}
