package vaultly

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/vaultly/vaultly/internal/pathtmpl"
)

// tagName is the struct tag key vaultly reads.
const tagName = "secret"

// encoding names a text decoding applied before the type conversion.
type textEnc uint8

const (
	encNone textEnc = iota
	encBase64
	encBase64URL
	encHex
)

// tagSpec is one parsed `secret:"…"` tag.
type tagSpec struct {
	tmpl     *pathtmpl.Template
	ttl      time.Duration
	hasTTL   bool
	stale    bool          // stale_on_error given on the field
	staleMax time.Duration // bound from stale_on_error=DURATION; 0 = unbounded
	version  string
	optional bool
	enc      textEnc
	public   bool   // Redact shows a plain field's value
	def      string // default=VALUE, used when the secret is not found
	hasDef   bool
	key      string // key=NAME: the member of a JSON object to take
	prefix   bool   // every secret under the path, into a map
	max      int    // max=N: the bound on a prefix's entries; 0 = defaultPrefixMax
	lease    bool   // read with GetLease; the lease bounds the entry's life
}

// defaultPrefixMax bounds a prefix field's entries when its tag has no
// max option, so that a mistyped prefix cannot pull a whole account.
const defaultPrefixMax = 10000

// parseTag parses PATH[,OPTION]... . Every malformed case is an error that
// quotes the offending text, except a default's value, which no error
// quotes; the caller adds the field path and ErrConfig.
func parseTag(tag string) (tagSpec, error) {
	var spec tagSpec
	if strings.TrimSpace(tag) == "" {
		return spec, fmt.Errorf("empty secret tag")
	}
	path, rest, hasOptions := strings.Cut(tag, ",")
	if strings.TrimSpace(path) != path {
		return spec, fmt.Errorf("path %q has leading or trailing spaces", path)
	}
	tmpl, err := pathtmpl.Parse(path)
	if err != nil {
		return spec, err
	}
	spec.tmpl = tmpl
	if !hasOptions {
		return spec, nil
	}
	opts, err := splitOptions(rest)
	if err != nil {
		return spec, err
	}
	seen := map[string]bool{}
	for _, o := range opts {
		if o.name == "" && !o.hasValue {
			return spec, fmt.Errorf("empty option in %q", redactTag(tag))
		}
		if seen[o.name] {
			return spec, fmt.Errorf("option %q given twice", o.name)
		}
		seen[o.name] = true
		if o.name == "default" {
			if !o.hasValue || o.value == "" && !o.quoted {
				return spec, fmt.Errorf("option \"default\" needs a value (default=VALUE, or default='' for the empty text)")
			}
			spec.def, spec.hasDef = o.value, true
			continue
		}
		if err := spec.setOption(o.name, o.value, o.hasValue); err != nil {
			return spec, err
		}
	}
	if spec.hasDef && spec.optional {
		return spec, fmt.Errorf("options default and optional exclude each other (optional keeps the field's value, default replaces it)")
	}
	return spec, spec.checkCombinations()
}

// checkCombinations refuses options that cannot go together: a prefix is
// a folder of secrets, not one secret with a version or a member, and a
// lease is a read of one whole secret.
func (s *tagSpec) checkCombinations() error {
	switch {
	case s.max > 0 && !s.prefix:
		return fmt.Errorf("option max applies only with prefix (it bounds how many secrets a prefix loads)")
	case s.prefix && s.version != "":
		return fmt.Errorf("options prefix and version exclude each other (a prefix loads the current version of every secret under it)")
	case s.prefix && s.key != "":
		return fmt.Errorf("options prefix and key exclude each other (a prefix loads every secret under it whole)")
	case s.prefix && s.lease:
		return fmt.Errorf("options prefix and lease exclude each other")
	case s.prefix && s.hasDef:
		return fmt.Errorf("options prefix and default exclude each other (use optional: nothing under the prefix is then an empty map)")
	case s.lease && s.version != "":
		return fmt.Errorf("options lease and version exclude each other (a lease is issued for the current secret)")
	case s.lease && s.key != "":
		return fmt.Errorf("options lease and key exclude each other (decode the whole leased answer into a struct, so every part comes from one lease)")
	}
	return nil
}

// rawOption is one option of a tag as written: its name, and its value
// when it has an '='. start and end are the bytes of a default's value in
// the text splitOptions was given (quotes included), for redactTag.
type rawOption struct {
	name, value string
	hasValue    bool
	quoted      bool // a default in single quotes
	start, end  int
}

// splitOptions splits the text after a tag's path into options. An option
// runs to the next comma and spaces around it are ignored, except that a
// default whose value begins with a single quote (default='a,b') runs to
// the closing quote: inside the quotes a comma or a space is itself, and
// two quotes in a row stand for one. After an error it returns the options it has read, the one
// that failed included.
func splitOptions(rest string) ([]rawOption, error) {
	var opts []rawOption
	for i := 0; ; {
		lead := len(rest[i:]) - len(strings.TrimLeftFunc(rest[i:], unicode.IsSpace))
		if v, ok := strings.CutPrefix(rest[i+lead:], "default="); ok {
			vlead := len(v) - len(strings.TrimLeftFunc(v, unicode.IsSpace))
			if strings.HasPrefix(v[vlead:], "'") {
				q := len(rest) - len(v) + vlead // the opening quote
				o := rawOption{name: "default", hasValue: true, quoted: true, start: q}
				val, n, closed := unquote(rest[q:])
				o.value, o.end = val, q+n
				opts = append(opts, o)
				if !closed {
					return opts, fmt.Errorf("option default: unterminated quoted value (a quote inside one is written '')")
				}
				after := strings.TrimLeftFunc(rest[o.end:], unicode.IsSpace)
				switch {
				case after == "":
					return opts, nil
				case after[0] != ',':
					return opts, fmt.Errorf("option default: text after the closing quote (a quote inside a quoted value is written '')")
				}
				i = len(rest) - len(after) + 1
				continue
			}
		}
		raw, _, more := strings.Cut(rest[i:], ",")
		opt := strings.TrimSpace(raw)
		name, value, hasValue := strings.Cut(opt, "=")
		o := rawOption{name: name, value: value, hasValue: hasValue}
		if hasValue { // where the value stands in rest, for redactTag
			trimmed := strings.TrimSpace(value)
			if name == "default" {
				o.value = trimmed
			}
			o.start = i + strings.Index(raw, "=") + 1
			o.start += len(rest[o.start:]) - len(strings.TrimLeftFunc(rest[o.start:], unicode.IsSpace))
			o.end = o.start + len(trimmed)
		}
		opts = append(opts, o)
		if !more {
			return opts, nil
		}
		i += len(raw) + 1
	}
}

// unquote reads the quoted value at the start of s (s[0] is a quote): it
// returns the value, the bytes read (the closing quote included) and
// whether the closing quote was found.
func unquote(s string) (string, int, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '\'' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), i + 1, true
	}
	return b.String(), len(s), false
}

// redactTag is tag with the value of its default option, if any, replaced
// by "…", for an error that quotes the tag: no error quotes a value, not
// even a default written in the source.
func redactTag(tag string) string {
	path, rest, ok := strings.Cut(tag, ",")
	if !ok || !strings.Contains(rest, "=") {
		return tag
	}
	opts, _ := splitOptions(rest)
	var b strings.Builder
	b.WriteString(path)
	b.WriteByte(',')
	at := 0
	for _, o := range opts {
		// A default's value, and the value of anything that is not a
		// known option (a misspelt "Default=", say), is not quoted.
		if n := strings.TrimSpace(o.name); (n == "default" || !knownOption(n)) && o.hasValue && o.end > o.start {
			b.WriteString(rest[at:o.start])
			b.WriteString("…")
			at = o.end
		}
	}
	b.WriteString(rest[at:])
	return b.String()
}

func (s *tagSpec) setOption(name, value string, hasValue bool) error {
	needValue := func() error {
		if !hasValue || value == "" {
			return fmt.Errorf("option %q needs a value (%s=…)", name, name)
		}
		return nil
	}
	noValue := func() error {
		if hasValue {
			return fmt.Errorf("option %q takes no value, got %q", name, name+"="+value)
		}
		return nil
	}
	switch name {
	case "ttl":
		if err := needValue(); err != nil {
			return err
		}
		d, err := parseDurationOpt(name, value)
		if err != nil {
			return err
		}
		s.ttl, s.hasTTL = d, true
	case "stale_on_error":
		s.stale = true
		if hasValue {
			d, err := parseDurationOpt(name, value)
			if err != nil {
				return err
			}
			if d == 0 {
				return fmt.Errorf("option %q: bound must be positive, got %q", name, value)
			}
			s.staleMax = d
		}
	case "version":
		if err := needValue(); err != nil {
			return err
		}
		if strings.ContainsAny(value, " \t/") {
			return fmt.Errorf("option version: invalid version %q", value)
		}
		s.version = value
	case "optional":
		if err := noValue(); err != nil {
			return err
		}
		s.optional = true
	case "public":
		if err := noValue(); err != nil {
			return err
		}
		s.public = true
	case "encoding":
		if err := needValue(); err != nil {
			return err
		}
		switch value {
		case "base64":
			s.enc = encBase64
		case "base64url":
			s.enc = encBase64URL
		case "hex":
			s.enc = encHex
		default:
			return fmt.Errorf("option encoding: unknown encoding %q (want base64, base64url or hex)", value)
		}
	case "key":
		if err := needValue(); err != nil {
			return err
		}
		if strings.TrimSpace(value) != value {
			return fmt.Errorf("option key: key %q has leading or trailing spaces", value)
		}
		s.key = value
	case "prefix":
		if err := noValue(); err != nil {
			return err
		}
		s.prefix = true
	case "max":
		if err := needValue(); err != nil {
			return err
		}
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 {
			return fmt.Errorf("option max: want a positive whole number, got %q", value)
		}
		s.max = n
	case "lease":
		if err := noValue(); err != nil {
			return err
		}
		s.lease = true
	default:
		return fmt.Errorf("%w %q", errUnknownOption, name)
	}
	return nil
}

// prefixMax is the bound on a prefix field's entries.
func (s *tagSpec) prefixMax() int {
	if s.max > 0 {
		return s.max
	}
	return defaultPrefixMax
}

var errUnknownOption = errors.New("unknown option")

func parseDurationOpt(name, value string) (time.Duration, error) {
	d, err := time.ParseDuration(value)
	if err != nil {
		return 0, fmt.Errorf("option %s: invalid duration %q", name, value)
	}
	if d < 0 {
		return 0, fmt.Errorf("option %s: negative duration %q", name, value)
	}
	return d, nil
}

// knownOption reports whether name is a tag option vaultly defines: one
// setOption knows, or default (which parseTag handles itself).
func knownOption(name string) bool {
	return name == "default" || !errors.Is(new(tagSpec).setOption(name, "", false), errUnknownOption)
}
