package vaultly

import (
	"encoding"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// errNoSource marks a variable with no WithVars entry and no root field.
var errNoSource = errors.New("no source")

// resolveVars reads the template variables that p's templates use, from
// WithVars first and then from the root struct's scalar fields. It
// returns their values by index in p.varNames ("" when a variable has no
// source: Render reports it) and, for each name that cannot be resolved,
// an error (nil when there is none).
func (l *Loader) resolveVars(p *plan, root reflect.Value) ([]string, map[string]error) {
	vals := make([]string, len(p.varNames))
	var errs map[string]error
	fail := func(key string, err error) {
		if errs == nil {
			errs = make(map[string]error)
		}
		errs[key] = err
	}
	for i, key := range p.varNames {
		if v, ok := l.o.vars[key]; ok {
			vals[i] = v
			continue
		}
		cands := p.vars[key]
		switch len(cands) {
		case 0:
			fail(key, errNoSource) // Render says which template and where
		case 1:
			v, err := varText(root.FieldByIndex(cands[0].index))
			if err != nil {
				fail(key, fmt.Errorf("variable <%s> from field %s: %v", key, cands[0].name, err))
				continue
			}
			vals[i] = v
		default:
			names := make([]string, len(cands))
			for i, c := range cands {
				names[i] = c.name
			}
			fail(key, fmt.Errorf("variable <%s> matches several fields: %s", key, strings.Join(names, ", ")))
		}
	}
	return vals, errs
}

// varText formats a root field's value as template text. A nil interface
// is an error; a nil pointer may be used only through a method that
// handles nil, and a method that panics is an error, not a panic of Load.
func varText(v reflect.Value) (text string, err error) {
	if v.Kind() == reflect.Interface {
		if v.IsNil() {
			return "", fmt.Errorf("nil value")
		}
		v = v.Elem()
	}
	isNil := v.Kind() == reflect.Pointer && v.IsNil()
	method := ""
	defer func() {
		if r := recover(); r != nil {
			if isNil {
				text, err = "", fmt.Errorf("nil %s (its %s method does not accept nil)", v.Type(), method)
				return
			}
			text, err = "", fmt.Errorf("its %s method panicked", method)
		}
	}()
	switch x := v.Interface().(type) {
	case encoding.TextMarshaler:
		method = "MarshalText"
		b, err := x.MarshalText()
		return string(b), err
	case fmt.Stringer:
		method = "String"
		return x.String(), nil
	}
	if isNil {
		return "", fmt.Errorf("nil value")
	}
	switch v.Kind() {
	case reflect.String:
		return v.String(), nil
	case reflect.Bool:
		return strconv.FormatBool(v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10), nil
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, v.Type().Bits()), nil
	}
	return "", fmt.Errorf("unsupported type %s", v.Type())
}

// shallowest keeps the candidates nearest the root: like Go's promotion, a
// root field hides a field of the same name in an embedded struct.
func shallowest(cands []varField) []varField {
	if len(cands) < 2 {
		return cands
	}
	minDepth := len(cands[0].index)
	for _, c := range cands[1:] {
		minDepth = min(minDepth, len(c.index))
	}
	out := cands[:0:0]
	for _, c := range cands {
		if len(c.index) == minDepth {
			out = append(out, c)
		}
	}
	return out
}
