// Package smtest runs an in-memory AWS Secrets Manager on 127.0.0.1 that
// speaks the awsJson1_1 wire protocol, so tests can use the real
// aws-sdk-go-v2 Secrets Manager client end to end without AWS.
//
// It serves GetSecretValue and BatchGetSecretValue (by SecretIdList, or by
// Filters on the secret name with paging). Secrets are seeded with Go
// methods: Put and PutBinary add a version and make it AWSCURRENT (the one
// before becomes AWSPREVIOUS, as PutSecretValue does), PutStaged adds a
// version with the staging labels you give (AWSPENDING, custom labels),
// SetStage moves a label as UpdateSecretVersionStage does, and
// ScheduleDeletion makes reads fail as they do for a secret scheduled for
// deletion. The same can be done over the wire, with the SDK: CreateSecret,
// PutSecretValue, UpdateSecretVersionStage and DeleteSecret. A secret is
// found by its name, its ARN, or its ARN without the six random characters
// at the end (a partial ARN).
//
// It enforces the limits the SDK leaves to the service (1 to 20 ids per
// BatchGetSecretValue, SecretIdList or Filters but not both, MaxResults 1
// to 20 and only with Filters, filter values from the service's character
// set) with the service's error shapes. It can inject faults for one
// secret or for every request: a 500 InternalServiceError, a 400
// ThrottlingException or AccessDeniedException, any other error code,
// added latency (which ends early when the client gives up) and dropped
// connections; FailSecret makes one secret fail alone, as a policy or a
// KMS key that denies it does (an error answer to GetSecretValue, an
// Errors entry in a batch). It counts every request by operation. A
// request without a signature is refused as the service refuses it, with
// 400 MissingAuthenticationTokenException; the signature itself is not
// checked. WithPageSizes answers listings in short and empty pages, as the
// service may; WithQuota enforces an account-wide request quota for fleet
// simulations. Transport and InProcessClient call the handler directly,
// without a socket (as in ssmtest; internal/awsfake.InProcess), so
// thousands of simulated instances can share one server cheaply.
//
// NewServer starts a server for a test and closes it when the test ends;
// New starts one outside a test (call Close).
//
//	srv := smtest.NewServer(t)
//	srv.Put("prod/db/password", "s3cret")
//	srv.Inject(smtest.Throttling().Times(1))
//	client := srv.Client() // static credentials, fast retries, reads no AWS_* variables
//	out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("prod/db/password")})
//	n := srv.Requests(smtest.OpGetSecretValue) // 2: the throttled attempt and its retry
//
// Filters other than "name" are refused (InvalidParameterException). The
// name filter is a case-sensitive prefix match, as the SDK documents it;
// a value starting with "!" negates it. Secret values are not encrypted.
package smtest
