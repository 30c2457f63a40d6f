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

// kvBody is the part of a KV v2 read response the backend uses.
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

// readEntry reads one KV entry, logging in first when there is no token
// and once more when Vault refuses the token. Errors are classified; their
// Ref is stamped by the caller.
func (b *Backend) readEntry(ctx context.Context, e entry) (map[string]any, error) {
	if b.reauth.enabled() && b.client.Token() == "" {
		if err := b.renew(ctx, ""); err != nil {
			return nil, err
		}
	}
	data, used, err := b.readOnce(ctx, e)
	if err == nil || !b.reauth.enabled() || !errors.Is(err, vaultly.ErrAuth) {
		return data, err
	}
	if rerr := b.renew(ctx, used); rerr != nil {
		return nil, rerr
	}
	data, _, err = b.readOnce(ctx, e)
	return data, err
}

// readOnce makes one KV v2 read (the client may retry it) and returns the
// entry's data and the token it used.
func (b *Backend) readOnce(ctx context.Context, e entry) (map[string]any, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", ctxError(ctx, vaultly.Ref{})
	}
	var params map[string][]string
	if e.version != "" {
		params = map[string][]string{"version": {e.version}}
	}
	// The token is read before the request takes it: if a
	// re-authentication replaces it in between, the request carries the
	// newer token, and renew sees that the token it is told about was
	// already replaced, which costs at most one login fewer.
	used := b.client.Token()
	resp, err := b.client.Logical().ReadRawWithDataWithContext(ctx, b.mount+"/data/"+e.path, params)
	if resp != nil && resp.Body != nil {
		defer resp.Body.Close()
	}
	if err != nil {
		var re *api.ResponseError
		if !errors.As(err, &re) {
			return nil, used, classifyTransport(ctx, b.client.Address(), err)
		}
		kind := statusKind(re.StatusCode)
		msg := ""
		if re.StatusCode == http.StatusNotFound && resp != nil {
			// A deleted or destroyed version answers 404 with the
			// envelope and its metadata; a missing path or version
			// answers 404 with {"errors":[]}.
			if body, berr := decodeBody(resp.Body); berr == nil && body.Data != nil {
				msg = gone(e, body.Data.Metadata)
			}
		}
		return nil, used, classified(kind, msg, responseError(re, err))
	}
	if resp == nil || resp.Body == nil {
		return nil, used, classified(vaultly.ErrTransient, "empty response", nil)
	}
	body, err := decodeBody(resp.Body)
	if err != nil {
		if ctx.Err() != nil {
			return nil, used, ctxError(ctx, vaultly.Ref{})
		}
		return nil, used, classified(vaultly.ErrTransient, err.Error(), nil)
	}
	if body.WrapInfo != nil {
		// The client asked Vault to wrap the answer (VAULT_WRAP_TTL or
		// its wrapping lookup function): the data is behind a wrapping
		// token, which is never printed.
		return nil, used, classified(vaultly.ErrConfig,
			"the answer is response-wrapped: the client must not wrap KV reads (VAULT_WRAP_TTL, SetWrappingLookupFunc)", nil)
	}
	if body.Data == nil || body.Data.Data == nil {
		var md *kvMetadata
		if body.Data != nil {
			md = body.Data.Metadata
		}
		return nil, used, classified(vaultly.ErrNotFound, gone(e, md), nil)
	}
	return body.Data.Data, used, nil
}

// decodeBody decodes a KV v2 answer, keeping numbers as json.Number so
// their exact text survives. Its error never quotes the body.
func decodeBody(r io.Reader) (*kvBody, error) {
	dec := json.NewDecoder(io.LimitReader(r, maxBody))
	dec.UseNumber()
	var body kvBody
	if err := dec.Decode(&body); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty response body")
		}
		// json's syntax errors quote a character of the input, which
		// could be part of a secret: report only the kind of failure.
		return nil, fmt.Errorf("malformed KV v2 response (%T)", err)
	}
	return &body, nil
}

// gone describes a version that has no data.
func gone(e entry, md *kvMetadata) string {
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
