package awsfake

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// Pages is the paging of a fake's listing: the short pages WithPageSizes
// asks for and opaque NextTokens. The zero value is not usable; make one
// with NewPages. It is not safe for concurrent use: the server's lock
// guards it.
type Pages struct {
	name  string // the fake's name ("ssmtest"), in tokens and errors
	max   int    // the service's largest page
	sizes []int  // WithPageSizes; nil: full pages
	n     int    // pages answered, counting every listing
}

// NewPages returns the paging of the fake name, whose service answers
// pages of at most max entries.
func NewPages(name string, max int) Pages { return Pages{name: name, max: max} }

// SetSizes is WithPageSizes: the n-th page answered holds at most
// sizes[n%len(sizes)] entries. Sizes must be 0 to max and not all 0.
func (p *Pages) SetSizes(sizes []int) error {
	total := 0
	for _, n := range sizes {
		if n < 0 || n > p.max {
			return fmt.Errorf("%s: WithPageSizes(%v): a size must be 0 to %d", p.name, sizes, p.max)
		}
		total += n
	}
	if total == 0 {
		return fmt.Errorf("%s: WithPageSizes(%v): want at least one size above 0", p.name, sizes)
	}
	p.sizes = append([]int(nil), sizes...)
	return nil
}

// Next counts one page answered and returns how many entries it holds at
// most: limit (the request's MaxResults), or less under WithPageSizes.
func (p *Pages) Next(limit int) int {
	if len(p.sizes) > 0 {
		limit = min(limit, p.sizes[p.n%len(p.sizes)])
	}
	p.n++
	return limit
}

// Token is an opaque NextToken that resumes at offset. The count of pages
// answered makes every token different, as the service's are, even when
// a short page leaves the offset where it was.
func (p *Pages) Token(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(p.name + ":" + strconv.Itoa(offset) + ":" + strconv.Itoa(p.n)))
}

// Offset is where the NextToken tok resumes; ok is false when tok is not
// one of Token's.
func (p *Pages) Offset(tok string) (offset int, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(b), p.name+":")
	if !ok {
		return 0, false
	}
	off, _, ok := strings.Cut(rest, ":")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(off)
	return n, err == nil && n >= 0
}
