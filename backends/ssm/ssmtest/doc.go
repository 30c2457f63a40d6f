// Package ssmtest runs an in-memory AWS Systems Manager Parameter Store on
// 127.0.0.1 that speaks the awsJson1_1 wire protocol, so tests can use the
// real aws-sdk-go-v2 SSM client end to end without AWS.
//
// It serves GetParameter, GetParameters and GetParametersByPath. Parameters
// have a type (String, StringList, SecureString), a version history (every
// Put makes a new version) and labels. It enforces the service limits the
// SDK leaves to the service (1 to 10 names per GetParameters, at most 10
// results per page, names up to 2,048 characters) with the service's error
// shapes, and it can inject faults for one name or for every request: a 500
// InternalServerError, a 400 ThrottlingException or AccessDeniedException,
// any other error code, added latency (which ends early when the client
// gives up on the request) and dropped connections. It counts every request
// by operation. A request without a signature (a client with no
// credentials, or aws.AnonymousCredentials) is refused as the service
// refuses it, with 400 MissingAuthenticationTokenException; the signature
// itself is not checked.
//
// NewServer starts a server for a test and closes it when the test ends;
// New starts one outside a test (call Close).
//
//	srv := ssmtest.NewServer(t)
//	srv.Put("/db/prod/password", "s3cret")
//	srv.Inject(ssmtest.Throttling().Times(1))
//	client := srv.Client() // static credentials, fast retries, reads no AWS_* variables
//	out, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/db/prod/password")})
//	n := srv.Requests(ssmtest.OpGetParameter) // 2: the throttled attempt and its retry
//
// # Quotas and fleets
//
// WithQuota(rps, burst) enforces an account-wide throughput quota, as
// Parameter Store does (DefaultQuota, 40 a second, shared by the three
// read operations): a request over it gets the service's answer, HTTP 400
// ThrottlingException "Rate exceeded", which the SDK decodes to
// *types.ThrottlingException and retries. The quota reads the server's
// clock, so with WithClock a simulation runs the quota in its own virtual
// time. Throttled(op) counts the refused requests beside Requests(op);
// WithRequestHook sees every request with its time and whether it was
// throttled (for requests per simulated second); WithCallLog(false) keeps
// a long run from logging millions of Calls.
//
// Transport and InProcessClient call the handler directly, without a
// socket, so thousands of simulated instances can share one server
// cheaply (about half the cost of a loopback request):
//
//	clock := newVirtualClock() // your clock, safe for concurrent use
//	srv := ssmtest.NewServer(t, ssmtest.WithClock(clock.Now),
//		ssmtest.WithQuota(ssmtest.DefaultQuota, ssmtest.DefaultQuota), ssmtest.WithCallLog(false))
//	client := srv.InProcessClient() // one per simulated instance
//	// ... run the fleet ...
//	t.Logf("%d requests, %d throttled", srv.TotalRequests(), srv.Throttled(""))
//
// GetParametersByPath refuses ParameterFilters with a ValidationException
// (they are not implemented); WithPageSizes makes it answer short and
// empty pages with a NextToken, as the service may. SecureString values are
// not encrypted; a request with WithDecryption
// false gets an opaque placeholder instead of the value, as the real
// service returns ciphertext.
package ssmtest
