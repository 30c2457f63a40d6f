package vault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/hashicorp/vault/api"

	"github.com/vaultly/vaultly"
)

// maxBody caps the body read from Vault (its own request limit is 32 MiB).
const maxBody = 64 << 20

// kvBody is the part of a KV v2 read answer the backend uses.
type kvBody struct {
	Data *struct {
		Data     map[string]any `json:"data"`
		Metadata *kvMetadata    `json:"metadata"`
	} `json:"data"`
	WrapInfo *struct{} `json:"wrap_info"`
}

type kvMetadata struct {
	Version      int64  `json:"version"`
	DeletionTime string `json:"deletion_time"`
	Destroyed    bool   `json:"destroyed"`
}

// kv1Body is the part of a KV v1 read answer the backend uses.
type kv1Body struct {
	Data     map[string]any `json:"data"`
	WrapInfo *struct{}      `json:"wrap_info"`
}

// errWrapped is the detail of an answer the client asked Vault to wrap.
const errWrapped = "the answer is response-wrapped: the client must not wrap the backend's reads (VAULT_WRAP_TTL, SetWrappingLookupFunc)"

// get is Get: one Ref, one read.
func (b *Backend) get(ctx context.Context, ref vaultly.Ref) (string, error) {
	sel, err := b.parseRef(ref)
	if err != nil {
		return "", err
	}
	v, err := b.kvVersion(ctx)
	if err != nil {
		return "", withRef(err, ref)
	}
	if err := checkVersion(v, sel, ref); err != nil {
		return "", err
	}
	data, err := b.readEntry(ctx, v, sel.entry)
	if err != nil {
		return "", withRef(err, ref)
	}
	return sel.pick(data, ref)
}

// checkVersion refuses a pinned version on a KV v1 mount, which has none.
func checkVersion(kv int, sel selector, ref vaultly.Ref) error {
	if kv == 1 && sel.entry.version != "" {
		return refError(ref, "a version needs KV version 2; the mount runs KV version 1")
	}
	return nil
}

// readEntry reads one KV entry of a mount of KV version v (1 or 2) and
// returns its data. Errors are classified; their Ref is stamped by the
// caller.
func (b *Backend) readEntry(ctx context.Context, v int, e entry) (map[string]any, error) {
	if v == 1 {
		return b.readKV1(ctx, e)
	}
	return b.readKV2(ctx, e)
}

// readKV2 reads GET <mount>/data/<path>[?version=N].
func (b *Backend) readKV2(ctx context.Context, e entry) (map[string]any, error) {
	resp, err := b.send(ctx, func() *api.Request {
		r := b.client.NewRequest(http.MethodGet, "/v1/"+b.mount+"/data/"+e.path)
		if e.version != "" {
			r.Params.Set("version", e.version)
		}
		return r
	})
	defer closeBody(resp)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			// A deleted or destroyed version answers 404 with the
			// envelope and its metadata; a missing path or version
			// answers 404 with {"errors":[]}.
			if body, berr := decodeJSON[kvBody](resp.Body); berr == nil && body.Data != nil {
				err = withMsg(err, gone(body.Data.Metadata))
			}
		}
		return nil, err
	}
	body, err := decodeJSON[kvBody](resp.Body)
	if err != nil {
		return nil, bodyError(ctx, err)
	}
	if body.WrapInfo != nil {
		// The data is behind a wrapping token, which is never printed.
		return nil, classified(vaultly.ErrConfig, errWrapped, nil)
	}
	if body.Data == nil || body.Data.Data == nil {
		var md *kvMetadata
		if body.Data != nil {
			md = body.Data.Metadata
		}
		return nil, classified(vaultly.ErrNotFound, gone(md), nil)
	}
	return body.Data.Data, nil
}

// readKV1 reads GET <mount>/<path>.
func (b *Backend) readKV1(ctx context.Context, e entry) (map[string]any, error) {
	resp, err := b.send(ctx, func() *api.Request {
		return b.client.NewRequest(http.MethodGet, "/v1/"+b.mount+"/"+e.path)
	})
	defer closeBody(resp)
	if err != nil {
		return nil, err
	}
	body, err := decodeJSON[kv1Body](resp.Body)
	if err != nil {
		return nil, bodyError(ctx, err)
	}
	if body.WrapInfo != nil {
		return nil, classified(vaultly.ErrConfig, errWrapped, nil)
	}
	if body.Data == nil {
		return nil, classified(vaultly.ErrNotFound, "entry has no data", nil)
	}
	return body.Data, nil
}

// bodyError reports an answer whose body could not be read: the caller's
// context ending, or a transient failure.
func bodyError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctxError(ctx, vaultly.Ref{})
	}
	return classified(vaultly.ErrTransient, err.Error(), nil)
}

// decodeJSON decodes a Vault answer, keeping numbers as json.Number so
// their exact text survives. Its error never quotes the body.
func decodeJSON[T any](r io.Reader) (*T, error) {
	dec := json.NewDecoder(io.LimitReader(r, maxBody))
	dec.UseNumber()
	var body T
	if err := dec.Decode(&body); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty response body")
		}
		// json's syntax errors quote a character of the input, which
		// could be part of a secret: report only the kind of failure.
		return nil, fmt.Errorf("malformed Vault response (%T)", err)
	}
	return &body, nil
}

// gone describes a version that has no data.
func gone(md *kvMetadata) string {
	switch {
	case md == nil:
		return "entry has no data"
	case md.Destroyed:
		return fmt.Sprintf("version %d is destroyed", md.Version)
	case md.DeletionTime != "":
		return fmt.Sprintf("version %d is deleted", md.Version)
	}
	return fmt.Sprintf("version %d has no data", md.Version)
}
