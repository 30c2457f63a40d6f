package vaultly

import (
	"fmt"
	"strings"
	"time"

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
}

// parseTag parses PATH[,OPTION]... . Every malformed case is an error that
// quotes the offending text; the caller adds the field path and ErrConfig.
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
	seen := map[string]bool{}
	for opt := range strings.SplitSeq(rest, ",") {
		opt = strings.TrimSpace(opt)
		if opt == "" {
			return spec, fmt.Errorf("empty option in %q", tag)
		}
		name, value, hasValue := strings.Cut(opt, "=")
		if seen[name] {
			return spec, fmt.Errorf("option %q given twice", name)
		}
		seen[name] = true
		if err := spec.setOption(name, value, hasValue); err != nil {
			return spec, err
		}
	}
	return spec, nil
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
	default:
		return fmt.Errorf("unknown option %q", name)
	}
	return nil
}

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
