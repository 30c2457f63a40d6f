package jsonkey

import (
	"errors"
	"strings"
	"testing"
)

func TestMember(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc, key, want string
		wantErr              error
	}{
		{name: "string", doc: `{"user":"app","password":"s3cr\"t"}`, key: "password", want: `s3cr"t`},
		{name: "number as JSON text", doc: `{"port": 5432}`, key: "port", want: "5432"},
		{name: "bool", doc: `{"on":true}`, key: "on", want: "true"},
		{name: "null", doc: `{"x":null}`, key: "x", want: "null"},
		{name: "object as JSON text", doc: `{"o":{"a":1}}`, key: "o", want: `{"a":1}`},
		{name: "empty string member", doc: `{"e":""}`, key: "e", want: ""},
		{name: "missing member", doc: `{"user":"app"}`, key: "password", wantErr: ErrNoMember},
		{name: "key is case-sensitive", doc: `{"Password":"x"}`, key: "password", wantErr: ErrNoMember},
		{name: "not JSON", doc: `hunter2`, key: "k", wantErr: ErrNotObject},
		{name: "array", doc: `["hunter2"]`, key: "k", wantErr: ErrNotObject},
		{name: "string document", doc: `"hunter2"`, key: "k", wantErr: ErrNotObject},
		{name: "null document", doc: `null`, key: "k", wantErr: ErrNotObject},
		{name: "trailing text", doc: `{"k":"v"} hunter2`, key: "k", wantErr: ErrNotObject},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Member(tt.doc, tt.key)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Member() error = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Member() = %q, want %q", got, tt.want)
			}
			if err != nil && (strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), tt.key)) {
				t.Errorf("error %q quotes the document or the key", err)
			}
		})
	}
}
