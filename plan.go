package vaultly

import (
	"encoding"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// plan is the reflection walk of one struct type, computed once and
// reused by every Load of that type.
type plan struct {
	typ    reflect.Type
	fields []*planField
	// ptrs are pointer-to-struct fields on the way to a tagged field, in
	// walk order (parents first); Load gives the copy it fills fresh
	// structs there so that dst is never written through a shared pointer.
	ptrs [][]int
	// vars are the root's candidate template variables by lower-case name,
	// the shallowest only (a root field hides a promoted one).
	vars map[string][]varField
	// varNames are the distinct variable names the templates use,
	// lower-cased, in order of first use.
	varNames []string
	// pathsLen is the length of the group leaders' templates: about the
	// length of their rendered paths, to size Load's buffer for them.
	pathsLen int
	errs     []error
	// ifaces are the untagged fields Load walks past whose type holds an
	// interface (any, []any, map[string]fmt.Stringer, ...): their dynamic
	// value is checked at every Load (see dynamicErrs).
	ifaces []varField
}

type planField struct {
	name  string // Go path, "Config.DB.Password"
	index []int
	spec  tagSpec
	typ   reflect.Type // the field type, or T for Secret[T]
	lazy  bool
	// shared: a Secret's T can share memory with the cached value (a
	// slice, a map, a pointer), so every Get hands out a copy (secret.go).
	shared bool
	// vars are the template's variable names as written, and varIdx the
	// index of each in plan.varNames.
	vars   []string
	varIdx []int
	// kind is how the field is read: Get, GetPrefix or GetLease.
	kind readKind
	// group is the index in plan.fields of the first field whose tag has
	// the same template, version, key, kind and prefix bound: fields of
	// one group read one slot of the cache. docGroup is the same without
	// the key: fields of one docGroup name one document, which Load asks
	// a backend that does not read keys for once.
	group    int
	docGroup int
	// dec is the built-in decoder for typ with the tag's encoding; decErr
	// is set when there is none (a WithDecoder may still supply one).
	dec    decodeFunc
	decErr error
}

// prefixMax is the bound of a prefix field (0 for any other): part of
// the slotKey, since an answer read under one bound does not answer
// another.
func (f *planField) prefixMax() int {
	if f.kind != readPrefix {
		return 0
	}
	return f.spec.prefixMax()
}

type varField struct {
	index []int
	name  string
}

var plans sync.Map // reflect.Type -> *plan

func planFor(t reflect.Type) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	p := buildPlan(t)
	actual, _ := plans.LoadOrStore(t, p)
	return actual.(*plan)
}

func buildPlan(t reflect.Type) *plan {
	p := &plan{typ: t, vars: map[string][]varField{}}
	root := t.Name()
	if root == "" {
		root = "struct"
	}
	p.walk(t, nil, root, map[reflect.Type]bool{t: true}, true)
	for k, cands := range p.vars {
		p.vars[k] = shallowest(cands)
	}
	varIndex := map[string]int{}
	docGroups, groups := map[string]int{}, map[string]int{}
	for i, f := range p.fields {
		for _, v := range f.vars {
			key := strings.ToLower(v)
			k, ok := varIndex[key]
			if !ok {
				k = len(p.varNames)
				varIndex[key] = k
				p.varNames = append(p.varNames, key)
			}
			f.varIdx = append(f.varIdx, k)
		}
		doc := f.spec.tmpl.String() + "\x00" + f.spec.version + "\x00" + strconv.Itoa(int(f.kind)) + "\x00" + strconv.Itoa(f.prefixMax())
		if _, ok := docGroups[doc]; !ok {
			docGroups[doc] = i
			p.pathsLen += len(f.spec.tmpl.String()) + 1 // a prefix may gain a "/"
		}
		f.docGroup = docGroups[doc]
		key := doc + "\x00" + f.spec.key
		if _, ok := groups[key]; !ok {
			groups[key] = i
		}
		f.group = groups[key]
	}
	return p
}

// walk visits the fields of struct type t at index prefix and reports
// whether any field at or below it carries a secret tag.
func (p *plan) walk(t reflect.Type, prefix []int, goPath string, onPath map[reflect.Type]bool, isRoot bool) bool {
	found := false
	for i := range t.NumField() {
		f := t.Field(i)
		index := append(append([]int(nil), prefix...), i)
		name := goPath + "." + f.Name
		tag, tagged := f.Tag.Lookup(tagName)
		secret := isSecretType(f.Type)
		switch {
		case f.Type.Kind() == reflect.Pointer && isSecretType(f.Type.Elem()):
			p.errs = append(p.errs, configErr(name, "use Secret[T] by value, not a pointer to it"))
		case tagged:
			found = true
			p.addField(f, index, name, tag, secret)
		case secret:
			p.errs = append(p.errs, configErr(name, "a Secret field needs a secret tag"))
		case isCollection(f.Type) && holdsSecretParts(f.Type.Elem(), false, map[reflect.Type]bool{}):
			p.errs = append(p.errs, configErr(name, fmt.Sprintf(
				"%s holds secret-tagged fields or Secret values, which Load does not fill: it walks structs and pointers to structs, not slices, arrays or maps", f.Type)))
		default:
			st, isPtr, ok := structTarget(f.Type)
			switch {
			case ok && onPath[st] && typeHolds(f.Type, false):
				p.errs = append(p.errs, configErr(name, fmt.Sprintf(
					"%s holds secret-tagged fields or Secret values, which Load does not fill here: the type is already being filled on the way to this field (a recursive type)", f.Type)))
			case !ok && typeHolds(f.Type, false):
				p.errs = append(p.errs, configErr(name, fmt.Sprintf(
					"%s holds secret-tagged fields or Secret values, which Load does not fill: it walks structs and pointers to structs, not pointers to pointers, slices, arrays, maps, channels or interfaces", f.Type)))
			case (!ok || onPath[st]) && typeHolds(f.Type, true):
				p.ifaces = append(p.ifaces, varField{index: index, name: name})
			}
			if ok && !onPath[st] {
				onPath[st] = true
				at := len(p.ptrs) // this pointer goes before those found below it
				// An embedded struct of the root promotes its fields, so
				// they can fill templates like the root's own.
				if p.walk(st, index, name, onPath, isRoot && f.Anonymous && !isPtr) {
					found = true
					if !f.IsExported() {
						p.errs = append(p.errs, configErr(name, "unexported struct field holds secret-tagged fields"))
					}
					if isPtr {
						p.ptrs = slices.Insert(p.ptrs, at, index)
					}
				}
				delete(onPath, st)
			}
			if isRoot && f.IsExported() && isVarKind(f.Type) {
				k := strings.ToLower(f.Name)
				p.vars[k] = append(p.vars[k], varField{index: index, name: f.Name})
			}
		}
	}
	return found
}

func (p *plan) addField(f reflect.StructField, index []int, name, tag string, secret bool) {
	if !f.IsExported() {
		p.errs = append(p.errs, configErr(name, "unexported field has a secret tag"))
		return
	}
	spec, err := parseTag(tag)
	if err != nil {
		p.errs = append(p.errs, configErr(name, fmt.Sprintf("tag %q: %v", redactTag(tag), err)))
		return
	}
	if spec.stale && !secret {
		p.errs = append(p.errs, configErr(name, "stale_on_error applies only to Secret fields (a plain field is read once, at Load)"))
		return
	}
	pf := &planField{name: name, index: index, spec: spec, typ: f.Type, lazy: secret, kind: spec.kind()}
	pf.vars = spec.tmpl.Vars()
	if secret {
		pf.typ = reflect.New(f.Type).Interface().(secretField).elemType()
		pf.shared = sharesMemory(pf.typ)
	}
	if holdsSecretParts(pf.typ, false, map[reflect.Type]bool{}) {
		p.errs = append(p.errs, configErr(name, fmt.Sprintf(
			"the value of a secret-tagged field (%s) cannot hold secret-tagged fields or Secret values", pf.typ)))
		return
	}
	if spec.prefix && !isPrefixMap(pf.typ) {
		p.errs = append(p.errs, configErr(name, fmt.Sprintf(
			"option prefix needs a map[string]T field or a Secret[map[string]T], got %s", pf.typ)))
		return
	}
	pf.dec, pf.decErr = fieldDecoder(pf, nil)
	p.fields = append(p.fields, pf)
}

// structTarget reports the struct type a field leads into: S for S and *S.
func structTarget(t reflect.Type) (reflect.Type, bool, bool) {
	switch {
	case t.Kind() == reflect.Struct:
		return t, false, true
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct:
		return t.Elem(), true, true
	}
	return nil, false, false
}

// holdsSecretParts reports whether values of t contain a secret-tagged
// struct field or a Secret, at any depth through structs, pointers,
// slices, arrays and maps. Interface types count when ifaces is set: their
// dynamic value may hold anything (Redact walks them; Load does not).
func holdsSecretParts(t reflect.Type, ifaces bool, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Interface:
		return ifaces
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Chan:
		return holdsSecretParts(t.Elem(), ifaces, seen)
	case reflect.Map:
		return holdsSecretParts(t.Key(), ifaces, seen) || holdsSecretParts(t.Elem(), ifaces, seen)
	case reflect.Struct:
		if isSecretType(t) {
			return true
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if _, ok := f.Tag.Lookup(tagName); ok || holdsSecretParts(f.Type, ifaces, seen) {
				return true
			}
		}
	}
	return false
}

type holdsKey struct {
	t      reflect.Type
	ifaces bool
}

var holds sync.Map // holdsKey -> bool

// typeHolds is holdsSecretParts of t, remembered: Load asks it of every
// dynamic type it finds behind an interface.
func typeHolds(t reflect.Type, ifaces bool) bool {
	k := holdsKey{t, ifaces}
	if v, ok := holds.Load(k); ok {
		return v.(bool)
	}
	h := holdsSecretParts(t, ifaces, map[reflect.Type]bool{})
	holds.Store(k, h)
	return h
}

// dynamicErrs checks the interface-typed parts of root's fields that
// Load walks past (p.ifaces): a dynamic value that holds secret-tagged
// fields or a Secret is an error, since Load does not fill what is behind
// an interface and the fields would silently stay empty.
func (p *plan) dynamicErrs(root reflect.Value) []error {
	var errs []error
	for _, f := range p.ifaces {
		v, err := root.FieldByIndexErr(f.index)
		if err != nil {
			continue // a nil pointer on the way: nothing behind it
		}
		if t := heldSecretType(v); t != nil {
			errs = append(errs, configErr(f.name, fmt.Sprintf(
				"holds a %s, which has secret-tagged fields or Secret values: Load does not fill values behind an interface", t)))
		}
	}
	return errs
}

// heldSecretType returns the first dynamic type behind an interface
// within v that holds secret-tagged fields or a Secret, or nil. It visits
// each pointer, map and slice once, so a value that holds itself ends,
// and keeps its own stack, so a deep value cannot overflow Go's.
func heldSecretType(v reflect.Value) reflect.Type {
	type visit struct {
		ptr uintptr
		typ reflect.Type
		n   int
	}
	seen := map[visit]bool{}
	once := func(v reflect.Value, n int) bool {
		k := visit{v.Pointer(), v.Type(), n}
		if seen[k] {
			return false
		}
		seen[k] = true
		return true
	}
	stack := []reflect.Value{v}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !typeHolds(v.Type(), true) {
			continue // no interface below: nothing new to find
		}
		switch v.Kind() {
		case reflect.Interface:
			if v.IsNil() {
				continue
			}
			e := v.Elem()
			if typeHolds(e.Type(), false) {
				return e.Type()
			}
			stack = append(stack, e)
		case reflect.Pointer:
			if !v.IsNil() && once(v, 0) {
				stack = append(stack, v.Elem())
			}
		case reflect.Slice:
			if !v.IsNil() && once(v, v.Len()) {
				for i := range v.Len() {
					stack = append(stack, v.Index(i))
				}
			}
		case reflect.Array:
			for i := range v.Len() {
				stack = append(stack, v.Index(i))
			}
		case reflect.Map:
			if !v.IsNil() && once(v, 0) {
				for it := v.MapRange(); it.Next(); {
					stack = append(stack, it.Key(), it.Value())
				}
			}
		case reflect.Struct:
			for i := range v.NumField() {
				stack = append(stack, v.Field(i))
			}
		}
	}
	return nil
}

func isCollection(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map:
		return true
	}
	return false
}

var (
	stringerType      = reflect.TypeFor[fmt.Stringer]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

func isVarKind(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return t.Implements(stringerType) || t.Implements(textMarshalerType)
}

func configErr(field, msg string) error {
	return &FieldError{Field: field, Err: fmt.Errorf("%w: %s", ErrConfig, msg)}
}
