package vault_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

// fmtVerbs prints v with every verb a log line or a debug print uses.
func fmtVerbs(v any) string {
	return fmt.Sprintf("%v|%+v|%#v|%s|%q", v, v, v, v, v)
}

// Printing a SecretID, a login method or a backend that has logged in
// never shows a secret id, an AWS secret key or the token.
func TestFormatHidesSecrets(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(t)
	srv.AddAppRole("role", "s3cr3t-sid")
	srv.Put("app", map[string]any{"value": "v"})

	sid := vault.SecretIDFromString("s3cr3t-sid")
	appRole, err := vault.AppRole("role", sid)
	if err != nil {
		t.Fatal(err)
	}
	aws, err := vault.AWSIAM("role", vault.AWSCredentials(credentials.NewStaticCredentialsProvider("AKID", "s3cr3t-aws-key", "s3cr3t-session")))
	if err != nil {
		t.Fatal(err)
	}
	c := srv.Client()
	c.ClearToken()
	b := newBackendWithClient(t, c, vault.WithAuth(appRole))
	t.Cleanup(func() { _ = b.Close() })
	if _, err := b.Get(context.Background(), vaultly.Ref{Path: "app"}); err != nil {
		t.Fatal(err)
	}
	token := c.Token()
	if token == "" {
		t.Fatal("no token after the login")
	}

	for name, v := range map[string]any{
		"SecretID": sid, "*SecretID": &sid, "AppRole": appRole, "AWSIAM": aws, "Backend": b,
	} {
		got := fmtVerbs(v)
		for _, secret := range []string{"s3cr3t", token} {
			if strings.Contains(got, secret) {
				t.Errorf("%s prints %q", name, got)
			}
		}
	}
	for _, tc := range []struct {
		v    any
		want string
	}{
		{sid, "SecretIDFromString(redacted)"},
		{vault.SecretIDFromFile("/run/sid"), `SecretIDFromFile("/run/sid")`},
		{vault.SecretIDFromEnv("SID"), `SecretIDFromEnv("SID")`},
		{appRole, `vault.AppRole(mount "approle", SecretIDFromString(redacted), wrapped false)`},
		{aws, `vault.AWSIAM(role "role", mount "aws", region "us-east-1")`},
		{b, "vault"},
	} {
		if got := fmt.Sprintf("%+v", tc.v); got != tc.want {
			t.Errorf("%%+v = %q, want %q", got, tc.want)
		}
	}
}
