package ssm

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	ssmsdk "github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
)

// GetBatch reads refs with GetParameters, at most 10 names a call and up
// to the batch concurrency calls at a time. Each distinct name is asked
// once; every Ref that asked for it gets the value. Names SSM reports as
// InvalidParameters (missing parameters, versions or labels) are absent
// from the map, which means not found. When some calls fail, the error is
// a *vaultly.BatchError holding the failure for each of their Refs, and
// the map holds what the other calls found. When ctx ends, the error
// matches ctx.Err() and applies to every Ref absent from the map.
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

	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, b.concurrency)
	)
	for start := 0; start < len(names); start += maxNamesPerCall {
		chunk := names[start:min(start+maxNamesPerCall, len(names))]
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			found, err := b.getChunk(ctx, chunk)
			mu.Lock()
			defer mu.Unlock()
			for name, v := range found {
				for _, ref := range askers[name] {
					values[ref] = v
				}
			}
			if err != nil {
				for _, name := range chunk {
					for _, ref := range askers[name] {
						failed[ref] = classifyBatch(ctx, ref, err)
					}
				}
			}
		}()
	}
	wg.Wait()

	if ctxErr := ctx.Err(); ctxErr != nil && len(values) < len(refs) {
		var cause error
		for _, err := range failed {
			cause = err
			break
		}
		return values, &vaultly.BackendError{Backend: backendName, Kind: ctxErr,
			Msg: "batch of " + strconv.Itoa(len(refs)), Err: cause}
	}
	if len(failed) > 0 {
		return values, &vaultly.BatchError{Errs: failed}
	}
	return values, nil
}

// classifyBatch classifies one chunk's failure for one of its Refs.
func classifyBatch(ctx context.Context, ref vaultly.Ref, err error) error {
	var be *vaultly.BackendError
	if errors.As(err, &be) && ctx.Err() != nil && be.Kind == ctx.Err() {
		return err // already the caller's cancellation
	}
	return classify(ctx, ref, err)
}

// getChunk asks for up to 10 names and returns the values by asked name.
func (b *Backend) getChunk(ctx context.Context, names []string) (map[string]string, error) {
	out, err := b.client.GetParameters(ctx, &ssmsdk.GetParametersInput{
		Names:          names,
		WithDecryption: aws.Bool(b.decrypt),
	})
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
