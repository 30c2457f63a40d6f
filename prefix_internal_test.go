package vaultly

import (
	"reflect"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPrefixDecoderNamesFirstBadKey: with several values that do not
// decode, the error names the first bad map key in sorted order, at every
// decode, and never a value; with none, every entry is decoded.
func TestPrefixDecoderNamesFirstBadKey(t *testing.T) {
	t.Parallel()
	typ := reflect.TypeFor[map[string]int]()
	elem, err := decoderFor(typ.Elem(), encNone, nil)
	if err != nil {
		t.Fatal(err)
	}
	dec := prefixDecoder(typ, elem)
	tests := []struct {
		name, text string
		want       map[string]int
		wantErr    string
	}{
		{name: "all good", text: `{"a":"1","b/c":"2"}`, want: map[string]int{"a": 1, "b/c": 2}},
		{name: "empty", text: `{}`, want: map[string]int{}},
		{name: "bad keys", text: `{"m":"x-m","d":"2","k":"x-k","z":"x-z","e":"x-e"}`,
			wantErr: `decode: map key "e": invalid number for int`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for range 20 { // map order varies: the named key must not
				var got map[string]int
				err := dec(tt.text, reflect.ValueOf(&got).Elem())
				if tt.wantErr != "" {
					if err == nil || err.Error() != tt.wantErr {
						t.Fatalf("err = %v, want %s", err, tt.wantErr)
					}
					if got != nil {
						t.Fatalf("map set despite the error: %v", got)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Fatalf("map (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// BenchmarkPrefixDecoder decodes a 100-entry prefix answer, as every Get
// of a Secret[map[string]T] does.
func BenchmarkPrefixDecoder(b *testing.B) {
	typ := reflect.TypeFor[map[string]string]()
	elem, err := decoderFor(typ.Elem(), encNone, nil)
	if err != nil {
		b.Fatal(err)
	}
	dec := prefixDecoder(typ, elem)
	m := map[string]string{}
	for i := range 100 {
		m["flags/"+strconv.Itoa(i)] = "value-" + strconv.Itoa(i)
	}
	text, err := prefixText(slotKey{max: defaultPrefixMax}, m)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var got map[string]string
		if err := dec(text, reflect.ValueOf(&got).Elem()); err != nil {
			b.Fatal(err)
		}
	}
}
