package vaultly

import (
	"encoding"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// resolveVars reads the template variables that p's templates use, from
// WithVars first and then from the root struct's scalar fields. It
// returns the values by lower-case name and, for names that cannot be
// resolved unambiguously, an error each.
func (l *Loader) resolveVars(p *plan, root reflect.Value) (map[string]string, map[string]error) {
	vals := make(map[string]string)
	errs := make(map[string]error)
	given := make(map[string]string, len(l.o.vars))
	for k, v := range l.o.vars {
		given[strings.ToLower(k)] = v
	}
	for _, f := range p.fields {
		for _, key := range f.vars {
			name := key
			if _, done := vals[key]; done {
				continue
			}
			if _, done := errs[key]; done {
				continue
			}
			if v, ok := given[key]; ok {
				vals[key] = v
				continue
			}
			cands := shallowest(p.vars[key])
			switch len(cands) {
			case 0:
				continue // Render reports the missing source
			case 1:
				v, err := varText(root.FieldByIndex(cands[0].index))
				if err != nil {
					errs[key] = fmt.Errorf("variable <%s> from field %s: %v", name, cands[0].name, err)
					continue
				}
				vals[key] = v
			default:
				names := make([]string, len(cands))
				for i, c := range cands {
					names[i] = c.name
				}
				errs[key] = fmt.Errorf("variable <%s> matches several fields: %s", name, strings.Join(names, ", "))
			}
		}
	}
	return vals, errs
}

// varText formats a root field's value as template text.
func varText(v reflect.Value) (string, error) {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return "", fmt.Errorf("nil value")
	}
	switch x := v.Interface().(type) {
	case encoding.TextMarshaler:
		b, err := x.MarshalText()
		return string(b), err
	case fmt.Stringer:
		return x.String(), nil
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
