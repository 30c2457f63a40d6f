// Package backendtest is a conformance suite for vaultly backends: it
// checks that a backend keeps the contract documented on vaultly.Backend
// and vaultly.BatchBackend, the one vaultly.Load, Secret.Get, the cache,
// backends/retry and backends/chain rely on. Write a harness that builds
// your backend over a set of secrets and call [Run] from a test:
//
//	func TestConformance(t *testing.T) {
//		backendtest.Run(t, backendtest.Harness{
//			New: func(t *testing.T, secrets []backendtest.Secret) vaultly.Backend {
//				srv := mystoretest.NewServer(t)
//				for _, s := range secrets {
//					for _, v := range s.Versions {
//						srv.Put(s.Path, v)
//					}
//				}
//				b, err := mystore.New(mystore.WithAddress(srv.URL()))
//				if err != nil {
//					t.Fatal(err)
//				}
//				return b
//			},
//			Versions: true,
//		})
//	}
//
// Run the test with -race: one of the checks calls the backend from many
// goroutines at once.
//
// # What is checked
//
// Every check builds a fresh backend with Harness.New, in a parallel
// subtest of its own:
//
//   - Name: backendkit.Name(b) is not empty and holds no secret value.
//   - Get: every seeded secret is returned with exactly the text stored:
//     ASCII, Unicode, several lines, leading and trailing blanks, JSON and
//     shell metacharacters, 4,000 bytes, a single space and (unless
//     Harness.NoEmpty) the empty string. Paths that hold nothing (a
//     sibling, a child of a secret, a parent of secrets, an unrelated path)
//     fail with an error matching vaultly.ErrNotFound and none of ErrAuth,
//     ErrTransient or ErrConfig.
//   - Versions (when Harness.Versions): Ref.Version "1", "2", "3" read
//     those versions, no version reads the latest, and a version that does
//     not exist, or a version of a path that does not, is not found.
//   - Batch (when the backend implements vaultly.BatchBackend): the answer
//     is read for each Ref with backendkit.BatchResult, exactly as Load
//     reads it, and must give the value or the not found that Get gives,
//     for a batch of every secret (more than ten, in case the store
//     chunks requests), one Ref, a missing Ref alone, repeated Refs, and
//     an empty request (nil or empty), which must succeed. Keys the
//     backend returns for Refs it was not asked for are ignored, as Load
//     ignores them (they are logged). A *vaultly.BatchError must only name
//     Refs that were asked for, never a Ref that is also in the map, and
//     every error in it must be classified. GetBatch must leave the slice
//     of Refs it is given as it was.
//   - Failures (when Harness.Failures): a secret seeded with Secret.Fail
//     fails with an error that is classified and is not ErrNotFound, from
//     Get and, for that Ref, from GetBatch; the other Refs of that batch
//     are answered correctly, or fail with a classified error other than
//     not found (an error for the whole batch applies to every Ref absent
//     from the map).
//   - Concurrent: many goroutines call Get (and GetBatch) at once and
//     every answer is still right.
//   - Canceled: with a context that is already canceled, or whose
//     deadline has passed, Get and GetBatch fail with an error matching
//     ctx.Err() that matches none of the kinds (vaultly.KindOf reports
//     "canceled"), for a found Ref, a missing one and (with
//     Harness.Failures) the failing one alike: a cancellation
//     must never be answered from a stale value nor taken for a missing
//     secret. backendkit.NewCanceledError builds that error.
//   - CanceledDuringCall (when Harness.NewSlow is set): the same, for a
//     call that has reached the store and is then canceled; the call must
//     return promptly (GetPrefix too, with Harness.Prefixes).
//   - Prefix (when Harness.Prefixes): the backend implements
//     backendkit.PrefixBackend, and New is given nested secrets too
//     ("/conformance/tree/a", "/conformance/tree/b/c",
//     "/conformance/tree/b/d/e"). GetPrefix of "/conformance/tree/",
//     "/conformance/tree/b/" and "/conformance/many/" returns every secret
//     below, keyed by the rest of its path with "/" between nested names
//     (Harness.PrefixKey rewrites the keys for a store that cannot keep
//     "/"), each with its exact text. A folder with nothing below it (a
//     missing one, a secret, a name that only extends a folder's) is an
//     empty map and a nil error. With max below the count, the answer
//     holds more than max entries (so the caller sees the bound was
//     passed), each of them right. With Harness.Failures, a folder
//     holding a secret seeded with Fail ("/conformance/locked/") fails
//     with a classified error other than not found, or answers without
//     that secret. An ended context is a cancellation, as for Get.
//   - Keys (when Harness.Keys): the backend implements
//     backendkit.KeyBackend and ReadsKeys reports true, and New is given
//     "/conformance/object", a JSON object (Secret.Object). Get, and
//     GetBatch when the backend batches, with Ref.Key set return each
//     member as the key= rule says (backendkit.Member): a string member
//     as its text, any other member as its JSON text (compared as JSON,
//     so a store may encode it again); a missing member (keys are
//     case-sensitive) and a member of a missing path are not found.
//
// A wrapper (a retry, a cache, a chain) reads its inner backend's batch
// answers: run the suite over the wrapper around [Quirky](inner) too, an
// inner backend that takes every liberty the contract allows.
// Quirky forwards Get and GetBatch only, so leave Prefixes and Keys off
// for a wrapper around it.
//
// Every error the suite sees, including each entry of a BatchError, is
// checked for the seeded values: the values are distinctive (each holds
// the marker [Marker]), so an error text that contains one is a leak.
//
// # Paths
//
// The suite reads paths such as "/conformance/plain" and
// "/conformance/many/07": segments of lower-case ASCII letters and digits,
// each after a '/', no seeded path the parent of another, and no two that
// differ only in case or punctuation. Every bundled backend holds them as
// they are: an SSM parameter name, a Vault KV entry read with its default
// key, an environment variable after env.Key, a file below a directory. A
// backend with other rules sets Harness.Path to rewrite them. Paths that
// must hold nothing include "/conformance" itself (the parent of the
// secrets) and "/conformance/plain/child" (below a secret).
package backendtest
