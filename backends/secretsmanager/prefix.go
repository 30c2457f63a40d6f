package secretsmanager

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	smsdk "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/internal/awsclient"
)

// filterChars are the characters the service accepts in a filter value
// (after an optional leading '!', which negates it); every character a
// secret name may hold is among them.
const filterChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 :_@/+=.-"

const maxFilterValue = 512

// GetPrefix returns the current value (AWSCURRENT) of every secret whose
// name begins with prefix, keyed by the rest of the name ("/" between
// nested names is kept). It reads them with BatchGetSecretValue and a name
// filter on prefix, 20 secrets a page, following every NextToken (a page
// may hold no secret and still have one). The service documents the name
// filter as a case-sensitive prefix match; GetPrefix keeps only the names
// that begin with prefix exactly, so a broader match can cost pages but
// never adds a key. Secrets scheduled for deletion are not listed. It
// stops once it holds more than max entries (max <= 0: no bound). A
// secret the answer lists in its Errors (a policy or KMS key that denies
// it) fails the whole call, classified as for Get and naming that secret:
// a map missing a member is never returned as complete. A prefix the
// filter cannot express (empty, longer than 512 characters, a character
// outside the service's set, a leading '!') is an ErrConfig error.
func (b *Backend) GetPrefix(ctx context.Context, prefix string, max int) (map[string]string, error) {
	ref := vaultly.Ref{Path: prefix}
	switch {
	case prefix == "" || len(prefix) > maxFilterValue:
		return nil, &vaultly.BackendError{Backend: backendName, Kind: vaultly.ErrConfig, Ref: ref,
			Msg: fmt.Sprintf("a prefix must have 1 to %d characters", maxFilterValue)}
	case strings.Trim(prefix, filterChars) != "" || prefix[0] == '!':
		return nil, &vaultly.BackendError{Backend: backendName, Kind: vaultly.ErrConfig, Ref: ref,
			Msg: "a prefix may hold only ASCII letters, digits, spaces and :_@/+=.- (the characters of secret names)"}
	}

	out := map[string]string{}
	in := &smsdk.BatchGetSecretValueInput{
		Filters:    []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{prefix}}},
		MaxResults: aws.Int32(pageSize),
	}
	seen := map[string]bool{} // tokens already followed
	for {
		if err := awsclient.Wait(ctx, b.limiter); err != nil {
			return nil, classify(ctx, ref, err)
		}
		page, err := b.client.BatchGetSecretValue(ctx, in, callOptions)
		if err != nil {
			return nil, classify(ctx, ref, err)
		}
		for _, e := range page.Errors {
			name := derefOr(e.SecretId, "")
			if !strings.HasPrefix(name, prefix) && !strings.Contains(name, ":secret:"+prefix) {
				continue // matched by a broader filter, not under prefix
			}
			cause := entryError(derefOr(e.ErrorCode, "UnknownError"), derefOr(e.Message, ""))
			return nil, classifyDetail(ctx, ref, "secret "+name, cause)
		}
		for _, e := range page.SecretValues {
			rest, ok := strings.CutPrefix(aws.ToString(e.Name), prefix)
			if !ok || rest == "" {
				continue
			}
			v, ok := value(e.SecretString, e.SecretBinary)
			if !ok {
				return nil, backendkit.NewError(backendName, vaultly.ErrTransient, ref,
					fmt.Errorf("secret %s: %w", aws.ToString(e.Name), errNoValue))
			}
			out[rest] = v
		}
		if max > 0 && len(out) > max {
			return out, nil
		}
		next := aws.ToString(page.NextToken)
		if next == "" {
			return out, nil
		}
		if seen[next] {
			return nil, backendkit.NewError(backendName, vaultly.ErrTransient, ref,
				errors.New("the listing returned a NextToken it had already returned"))
		}
		seen[next] = true
		in.NextToken = aws.String(next)
	}
}
