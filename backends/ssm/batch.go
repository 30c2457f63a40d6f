package ssm

import (
	"cmp"
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	ssmsdk "github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/internal/awsclient"
	"github.com/vaultly/vaultly/internal/fanout"
)

// GetBatch reads refs with GetParameters, at most 10 names a call and up
// to the batch concurrency calls at a time. Each distinct name is asked
// once; every Ref that asked for it gets the value. Names SSM reports as
// InvalidParameters (missing parameters, versions or labels) are absent
// from the map, which means not found. When some calls fail, the error is
// a *vaultly.BatchError holding the failure for each of their Refs, and
// the map holds what the other calls found; a call that panics fails its
// Refs with vaultly.ErrTransient ("backend panicked", never the panic
// value). When ctx ends, no more calls start, and the error matches
// ctx.Err() and applies to every Ref absent from the map.
func (b *Backend) GetBatch(ctx context.Context, refs []vaultly.Ref) (map[vaultly.Ref]string, error) {
	values := make(map[vaultly.Ref]string, len(refs))
	if len(refs) == 0 {
		return values, nil
	}

	// Group Refs by the name SSM is asked for.
	askers := make(map[string][]vaultly.Ref, len(refs))
	var names []string
	failed := map[vaultly.Ref]error{}
	refs = backendkit.UniqueRefs(refs)
	for _, ref := range refs {
		if err := checkRef(ref); err != nil {
			failed[ref] = err
			continue
		}
		name := selector(ref)
		if _, ok := askers[name]; !ok {
			names = append(names, name)
		}
		askers[name] = append(askers[name], ref)
	}

	var chunks [][]string
	for start := 0; start < len(names); start += maxNamesPerCall {
		chunks = append(chunks, names[start:min(start+maxNamesPerCall, len(names))])
	}
	found := make([]map[string]string, len(chunks))
	callErrs := make([]error, len(chunks))
	runErrs := fanout.Run(ctx, len(chunks), b.concurrency, func(i int) error {
		found[i], callErrs[i] = b.getChunk(ctx, chunks[i])
		return nil
	})
	var cause error // a failure of a call that ran, for the cancellation error
	for i, chunk := range chunks {
		for name, v := range found[i] {
			for _, ref := range askers[name] {
				values[ref] = v
			}
		}
		if runErrs[i] == nil && callErrs[i] == nil {
			continue
		}
		for _, name := range chunk {
			for _, ref := range askers[name] {
				if runErrs[i] != nil {
					failed[ref] = awsclient.NotRun(backendName, ref, runErrs[i])
				} else {
					failed[ref] = classify(ctx, ref, callErrs[i])
					cause = cmp.Or(cause, failed[ref])
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

// getChunk asks for up to 10 names and returns the values by asked name.
func (b *Backend) getChunk(ctx context.Context, names []string) (map[string]string, error) {
	if err := awsclient.Wait(ctx, b.limiter); err != nil {
		return nil, err
	}
	out, err := b.client.GetParameters(ctx, &ssmsdk.GetParametersInput{
		Names:          names,
		WithDecryption: aws.Bool(b.decrypt),
	}, markCredentials)
	if err != nil {
		return nil, err
	}
	asked := make(map[string]bool, len(names))
	for _, n := range names {
		asked[n] = true
	}
	found := make(map[string]string, len(out.Parameters))
	for _, p := range out.Parameters {
		if p.Name == nil || p.Value == nil {
			continue
		}
		// SSM answers with the bare name and the selector apart (":3").
		sel := aws.ToString(p.Selector)
		key := *p.Name + sel
		if !asked[key] && sel != "" && sel[0] != ':' {
			key = *p.Name + ":" + sel
		}
		if !asked[key] {
			continue // not something this chunk asked for
		}
		found[key] = *p.Value
	}
	return found, nil
}
