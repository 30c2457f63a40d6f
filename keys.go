package vaultly

import (
	"fmt"

	"github.com/vaultly/vaultly/internal/jsonkey"
)

// The key=NAME tag option reads one member of a JSON object. A backend
// that reads members itself (keyBackend, ReadsKeys true) is given Refs
// with Key set. Every other backend is asked for the whole document (Key
// empty) and the core takes the member with member: at Load once per
// document for every key of it, and on a Secret's refresh once per
// Secret.

// member takes ref.Key out of doc, the answer (or failure, err) of the
// backend asked for the document of ref: a string member as its text, any
// other member as its JSON text. A missing member is ErrNotFound naming
// the key and the path, so optional and default= apply; a document that
// is not a JSON object is a decode error (ErrConfig). Neither quotes any
// part of the document.
func member(ref Ref, doc string, err error) (string, error) {
	if err != nil {
		return "", err
	}
	v, err := jsonkey.Member(doc, ref.Key)
	switch err {
	case nil:
		return v, nil
	case jsonkey.ErrNoMember:
		return "", &BackendError{Kind: ErrNotFound, Ref: ref, Msg: fmt.Sprintf("no key %q in the JSON object", ref.Key)}
	}
	return "", decodeError("key %q: the secret is not a JSON object", ref.Key)
}
