package secretsmanager

import (
	"cmp"
	"context"
	"errors"
	"strings"

	smsdk "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/internal/awsclient"
	"github.com/vaultly/vaultly/internal/fanout"
)

// doc is one document the service is asked for: a secret id and a
// version (empty for AWSCURRENT). Refs that differ only in Key share it.
type doc struct{ id, version string }

func docOf(ref vaultly.Ref) doc {
	v := ref.Version
	if v == "AWSCURRENT" {
		v = "" // what BatchGetSecretValue returns
	}
	return doc{id: ref.Path, version: v}
}

// result is what one request found: texts and failures (unclassified SDK
// errors) by document.
type result struct {
	values map[doc]string
	errs   map[doc]error
}

// GetBatch reads refs in as few requests as the service allows. Refs for
// the current version (no Version, or AWSCURRENT) are read with
// BatchGetSecretValue, at most 20 secret ids a call; Refs that pin a
// version id or another staging label with GetSecretValue, one each,
// since BatchGetSecretValue returns only AWSCURRENT. All these requests
// run in parallel, up to the batch concurrency at a time, and each
// distinct document is asked for once. A secret the answer lists in its
// Errors fails alone, classified by its error code: ResourceNotFoundException
// is absent from the map (not found); a secret scheduled for deletion
// (InvalidRequestException) is a not-found error in the *vaultly.BatchError
// that says so. A secret the answer mentions nowhere is read again with
// GetSecretValue. When a request fails as a whole, the error is a
// *vaultly.BatchError holding the failure for each of its Refs, and the
// map holds what the other requests found; a request that panics fails its
// Refs with vaultly.ErrTransient ("backend panicked", never the panic
// value). When ctx ends, no more requests start, and the error matches
// ctx.Err() and applies to every Ref absent from the map.
func (b *Backend) GetBatch(ctx context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	values := make(map[vaultly.Ref]string, len(refs))
	if len(refs) == 0 {
		return values, nil
	}

	askers := make(map[doc][]vaultly.Ref, len(refs))
	var current []string // ids read with BatchGetSecretValue
	var pinned []doc     // documents read with GetSecretValue
	failed := map[vaultly.Ref]error{}
	refs = backendkit.UniqueRefs(refs)
	for _, ref := range refs {
		if err := checkRef(ref); err != nil {
			failed[ref] = err
			continue
		}
		d := docOf(ref)
		if _, ok := askers[d]; !ok {
			if d.version == "" {
				current = append(current, d.id)
			} else {
				pinned = append(pinned, d)
			}
		}
		askers[d] = append(askers[d], ref)
	}

	// The requests: chunks of current ids, then one per pinned document.
	type request struct {
		ids []string // BatchGetSecretValue
		pin doc      // GetSecretValue, when ids is nil
	}
	var reqs []request
	for start := 0; start < len(current); start += maxIDsPerCall {
		reqs = append(reqs, request{ids: current[start:min(start+maxIDsPerCall, len(current))]})
	}
	for _, d := range pinned {
		reqs = append(reqs, request{pin: d})
	}
	results := make([]result, len(reqs))
	callErrs := make([]error, len(reqs))
	runErrs := fanout.Run(ctx, len(reqs), b.concurrency, func(i int) error {
		if reqs[i].ids != nil {
			results[i], callErrs[i] = b.getChunk(ctx, reqs[i].ids)
			return nil
		}
		d := reqs[i].pin
		v, err := b.getOne(ctx, d.id, d.version)
		if err != nil {
			results[i].errs = map[doc]error{d: err}
		} else {
			results[i].values = map[doc]string{d: v}
		}
		return nil
	})

	var cause error // a failure of a request that ran, for the cancellation error
	for i, req := range reqs {
		docs := []doc{req.pin}
		if req.ids != nil {
			docs = docs[:0]
			for _, id := range req.ids {
				docs = append(docs, doc{id: id})
			}
		}
		for _, d := range docs {
			for _, ref := range askers[d] {
				switch {
				case runErrs[i] != nil:
					failed[ref] = awsclient.NotRun(backendName, ref, runErrs[i])
				case callErrs[i] != nil:
					failed[ref] = classify(ctx, ref, callErrs[i])
					cause = cmp.Or(cause, failed[ref])
				case results[i].errs[d] != nil:
					if errors.As(results[i].errs[d], new(*types.ResourceNotFoundException)) && ctx.Err() == nil {
						continue // absent and no error: not found
					}
					failed[ref] = classify(ctx, ref, results[i].errs[d])
					cause = cmp.Or(cause, failed[ref])
				default:
					v, ok := results[i].values[d]
					if !ok {
						continue // not found
					}
					if m, err := member(ref, v); err != nil {
						failed[ref] = err
					} else {
						values[ref] = m
					}
				}
			}
		}
	}

	if ctxErr := ctx.Err(); ctxErr != nil && len(values) < len(refs) {
		return values, backendkit.NewCanceledError(backendName, vaultly.Ref{}, ctxErr, cause)
	}
	if len(failed) > 0 {
		return values, &vaultly.BatchError{Errs: failed}
	}
	return values, nil
}

// getChunk reads up to 20 secret ids with one BatchGetSecretValue and
// returns what it found by id. The answer names a secret by its name and
// ARN, so an asked id is matched to an entry by name, by ARN, or by
// partial ARN (the ARN without its six random characters); an Errors entry
// by the id as sent. An id that is in neither list is read with
// GetSecretValue.
func (b *Backend) getChunk(ctx context.Context, ids []string) (result, error) {
	if err := awsclient.Wait(ctx, b.limiter); err != nil {
		return result{}, err
	}
	out, err := b.client.BatchGetSecretValue(ctx, &smsdk.BatchGetSecretValueInput{SecretIdList: ids}, callOptions)
	if err != nil {
		return result{}, err
	}
	byKey := make(map[string]*types.SecretValueEntry, 3*len(out.SecretValues))
	for i := range out.SecretValues {
		e := &out.SecretValues[i]
		for _, k := range entryKeys(e) {
			byKey[k] = e
		}
	}
	entryErrs := make(map[string]error, len(out.Errors))
	for _, e := range out.Errors {
		if e.SecretId != nil {
			entryErrs[*e.SecretId] = entryError(derefOr(e.ErrorCode, "UnknownError"), derefOr(e.Message, ""))
		}
	}
	res := result{values: make(map[doc]string, len(ids)), errs: make(map[doc]error)}
	for _, id := range ids {
		d := doc{id: id}
		if e, ok := byKey[id]; ok {
			if v, ok := value(e.SecretString, e.SecretBinary); ok {
				res.values[d] = v
			} else {
				res.errs[d] = errNoValue
			}
			continue
		}
		if err, ok := entryErrs[id]; ok {
			res.errs[d] = err
			continue
		}
		// Mentioned nowhere: ask the authoritative single read.
		if v, err := b.getOne(ctx, id, ""); err != nil {
			res.errs[d] = err
		} else {
			res.values[d] = v
		}
	}
	return res, nil
}

// entryKeys are the ids an answer entry may have been asked by: its name,
// its ARN, and its partial ARN.
func entryKeys(e *types.SecretValueEntry) []string {
	var keys []string
	if e.Name != nil {
		keys = append(keys, *e.Name)
	}
	if e.ARN != nil {
		arn := *e.ARN
		keys = append(keys, arn)
		if i := strings.LastIndexByte(arn, '-'); i >= 0 && len(arn)-i == 7 {
			keys = append(keys, arn[:i])
		}
	}
	return keys
}

func derefOr(s *string, or string) string {
	if s == nil || *s == "" {
		return or
	}
	return *s
}
