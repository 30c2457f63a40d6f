package ssm

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ssmsdk "github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/internal/awsclient"
)

const (
	// maxResultsPerPage is the service's most results a GetParametersByPath
	// page holds.
	maxResultsPerPage = 10
	// maxEmptyPages is how many empty pages in a row (each with a
	// NextToken) GetPrefix accepts before it calls the listing broken.
	// The service may answer a few; an endless run is a misbehaving server.
	maxEmptyPages = 100
)

// GetPrefix reads every parameter under prefix with GetParametersByPath
// (recursive, decrypted unless WithDecryption(false), 10 a page),
// following every NextToken, and returns the values keyed by the rest of
// each name: under "/app/flags/", "/app/flags/a/b" is "a/b". It stops
// paging once it holds more than max entries (the caller refuses such an
// answer). Nothing under prefix is an empty map and a nil error. Each page
// waits for the rate limit of WithRateLimit. The listing gives each
// parameter's latest version; a StringList is its comma-separated text.
//
// prefix must begin and end with "/"; otherwise the error matches
// vaultly.ErrConfig. Errors name the Ref {Path: prefix} and are classified
// as for Get (a policy that does not allow ssm:GetParametersByPath on the
// path is vaultly.ErrAuth). A listing the server breaks (a NextToken it
// already gave, endless empty pages) is vaultly.ErrTransient.
func (b *Backend) GetPrefix(ctx context.Context, prefix string, max int) (map[string]string, error) {
	ref := vaultly.Ref{Path: prefix}
	switch {
	case !strings.HasPrefix(prefix, "/") || !strings.HasSuffix(prefix, "/"):
		return nil, &vaultly.BackendError{Backend: backendName, Kind: vaultly.ErrConfig, Ref: ref,
			Msg: `a prefix must begin and end with "/" (SSM lists parameter hierarchies, such as /app/flags/)`}
	case len(prefix) > maxNameLength:
		return nil, &vaultly.BackendError{Backend: backendName, Kind: vaultly.ErrConfig, Ref: ref,
			Msg: fmt.Sprintf("prefix longer than %d characters", maxNameLength)}
	}
	// SSM names the hierarchy without its trailing "/" ("/app/flags"),
	// except the root "/".
	path := prefix
	if path != "/" {
		path = strings.TrimSuffix(path, "/")
	}

	values := make(map[string]string)
	seen := make(map[string]bool) // NextTokens already followed
	var token *string
	empty := 0
	for {
		if err := awsclient.Wait(ctx, b.limiter); err != nil {
			return nil, classify(ctx, ref, err)
		}
		out, err := b.client.GetParametersByPath(ctx, &ssmsdk.GetParametersByPathInput{
			Path:           aws.String(path),
			Recursive:      aws.Bool(true),
			WithDecryption: aws.Bool(b.decrypt),
			MaxResults:     aws.Int32(maxResultsPerPage),
			NextToken:      token,
		}, markCredentials)
		if err != nil {
			return nil, classify(ctx, ref, err)
		}
		for _, p := range out.Parameters {
			key, ok := strings.CutPrefix(aws.ToString(p.Name), prefix)
			if !ok || key == "" {
				continue // not under prefix: nothing to key it by
			}
			if p.Value == nil {
				return nil, backendkit.NewError(backendName, vaultly.ErrTransient, ref,
					errors.New("listing holds a parameter without a value"))
			}
			values[key] = *p.Value
		}
		next := aws.ToString(out.NextToken)
		if next == "" || len(values) > max {
			return values, nil
		}
		if seen[next] {
			return nil, backendkit.NewError(backendName, vaultly.ErrTransient, ref,
				errors.New("listing broken: GetParametersByPath returned a NextToken it had already returned"))
		}
		seen[next] = true
		if len(out.Parameters) == 0 {
			if empty++; empty >= maxEmptyPages {
				return nil, backendkit.NewError(backendName, vaultly.ErrTransient, ref,
					fmt.Errorf("listing broken: %d empty GetParametersByPath pages in a row", empty))
			}
		} else {
			empty = 0
		}
		token = out.NextToken
	}
}
