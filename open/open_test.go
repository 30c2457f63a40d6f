package open_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/chain"
	"github.com/vaultly/vaultly/backends/env"
	"github.com/vaultly/vaultly/backends/file"
	"github.com/vaultly/vaultly/backends/mock"
	"github.com/vaultly/vaultly/backends/retry"
	"github.com/vaultly/vaultly/backends/secretsmanager"
	"github.com/vaultly/vaultly/backends/secretsmanager/smtest"
	"github.com/vaultly/vaultly/backends/ssm"
	"github.com/vaultly/vaultly/backends/ssm/ssmtest"
	"github.com/vaultly/vaultly/backends/vault"
	"github.com/vaultly/vaultly/backends/vault/vaulttest"
	"github.com/vaultly/vaultly/open"
)

// get opens rawURL, reads path through it, and closes it.
func get(t *testing.T, rawURL, path string) (string, error) {
	t.Helper()
	b, closer, err := open.Backend(t.Context(), rawURL)
	if err != nil {
		t.Fatalf("Backend: %v", err)
	}
	defer func() {
		if err := closer.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	return b.Get(t.Context(), vaultly.Ref{Path: path})
}

func writeFile(t *testing.T, dir, path, value string) {
	t.Helper()
	name := filepath.Join(dir, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(value), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Each scheme opens the backend it names, which reads what it should.
func TestBackendSchemes(t *testing.T) { // not parallel: t.Setenv
	dir := t.TempDir()
	writeFile(t, dir, "db/password", "from-file\n")
	t.Setenv("MYAPP_DB_PASSWORD", "from-env-prefixed")
	t.Setenv("DB_PASSWORD", "from-env")
	t.Chdir(dir)

	tests := []struct {
		url  string
		want string
	}{
		{"", "from-env"},
		{"env://", "from-env"},
		{"env://MYAPP", "from-env-prefixed"},
		{"file://" + dir, "from-file"},
		{"file:.", "from-file"},
		{"file://" + dir + "?max_size=10", "from-file"},
		{"env://NOPE,file://" + dir, "from-file"},
		{"env://MYAPP?retry=2s,file://" + dir, "from-env-prefixed"},
		{"mock://,env://", "from-env"},
	}
	for _, tt := range tests {
		got, err := get(t, tt.url, "/db/password")
		if err != nil {
			t.Errorf("%q: %v", tt.url, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.url, got, tt.want)
		}
	}

	_, err := get(t, "file://"+dir+"?max_size=3", "/db/password")
	if !errors.Is(err, vaultly.ErrConfig) {
		t.Errorf("max_size=3 on a 10-byte file: err = %v, want ErrConfig (the option reached the backend)", err)
	}
	_, err = get(t, "mock://", "/db/password")
	if !errors.Is(err, vaultly.ErrNotFound) {
		t.Errorf("mock://: err = %v, want ErrNotFound (empty)", err)
	}
}

// The backend is what the URL names, so that vaultly finds its optional
// interfaces; wrappers only when asked for.
func TestBackendTypes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		url   string
		check func(vaultly.Backend) bool
	}{
		{"env://A", func(b vaultly.Backend) bool { _, ok := b.(*env.Backend); return ok }},
		{"file://" + dir, func(b vaultly.Backend) bool { _, ok := b.(*file.Backend); return ok }},
		{"mock://", func(b vaultly.Backend) bool { _, ok := b.(*mock.Backend); return ok }},
		{"env://A?retry=1s", func(b vaultly.Backend) bool { _, ok := b.(*retry.BatchingBackend); return ok }},
		{"env://A?retry_attempts=2", func(b vaultly.Backend) bool { _, ok := b.(*retry.BatchingBackend); return ok }},
		{"env://A,mock://", func(b vaultly.Backend) bool { _, ok := b.(*chain.Backend); return ok }},
	}
	for _, tt := range tests {
		b, closer, err := open.Backend(t.Context(), tt.url)
		if err != nil {
			t.Errorf("%q: %v", tt.url, err)
			continue
		}
		if !tt.check(b) {
			t.Errorf("%q: got a %T", tt.url, b)
		}
		if err := closer.Close(); err != nil {
			t.Errorf("%q: Close: %v", tt.url, err)
		}
	}
}

// Close releases what the URL opened (the file backend's directory), once.
func TestBackendClose(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "a", "1")
	b, closer, err := open.Backend(t.Context(), "env://X,file://"+dir+"?retry=1s")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := b.Get(t.Context(), vaultly.Ref{Path: "/a"}); err != nil || v != "1" {
		t.Fatalf("Get = %q, %v before Close", v, err)
	}
	if err := closer.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := closer.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := b.Get(t.Context(), vaultly.Ref{Path: "/a"}); !errors.Is(err, vaultly.ErrConfig) {
		t.Fatalf("Get after Close: err = %v, want ErrConfig (the directory was released)", err)
	}
}

// isolateAWS clears the AWS settings the SDK could pick up.
func isolateAWS(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"config", "credentials"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, v := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL_STS"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
}

// ssm:// takes its endpoint and credentials from the environment, as the
// SDK does, and its parameters reach the backend.
func TestBackendSSM(t *testing.T) { // not parallel: t.Setenv
	srv := ssmtest.NewServer(t)
	srv.PutSecure("/db/password", "s3cret")
	isolateAWS(t)
	t.Setenv("AWS_ENDPOINT_URL_SSM", srv.URL())
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret-test")

	got, err := get(t, "ssm://?region=eu-west-1", "/db/password")
	if err != nil || got != "s3cret" {
		t.Errorf("ssm://?region=eu-west-1: got %q, %v", got, err)
	}
	got, err = get(t, "ssm://?region=eu-west-1&decrypt=false&batch_concurrency=2&rate=100&retry=5s", "/db/password")
	if err != nil || got == "s3cret" {
		t.Errorf("decrypt=false: got %q, %v; want the ciphertext", got, err)
	}
	b, closer, err := open.Backend(t.Context(), "ssm://?region=eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	if sb, ok := b.(*ssm.Backend); !ok || sb.Client().Options().Region != "eu-west-1" {
		t.Errorf("ssm://?region=eu-west-1 opened a %T with the wrong region", b)
	}

	_, _, err = open.Backend(t.Context(), "ssm://")
	if !errors.Is(err, vaultly.ErrConfig) || !strings.Contains(err.Error(), "region") {
		t.Errorf("ssm:// without a region anywhere: err = %v, want ErrConfig naming the region", err)
	}
	_, _, err = open.Backend(t.Context(), "ssm://?region=r&profile=nosuchprofile")
	if !errors.Is(err, vaultly.ErrConfig) || !strings.Contains(err.Error(), `parameter "profile": no such profile`) {
		t.Errorf("profile=nosuchprofile: err = %v", err)
	}
}

// vault:// reads VAULT_TOKEN; tls=false on loopback talks plain http.
func TestBackendVault(t *testing.T) { // not parallel: t.Setenv
	srv := vaulttest.NewServer(t)
	srv.Put("db/prod", map[string]any{"password": "pw", "value": "v"})
	addr := strings.TrimPrefix(srv.URL(), "http://")
	for _, v := range []string{"VAULT_ADDR", "VAULT_AGENT_ADDR", "VAULT_NAMESPACE", "VAULT_TOKEN"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}

	_, _, err := open.Backend(t.Context(), "vault://"+addr+"/"+srv.Mount()+"?tls=false")
	if !errors.Is(err, vaultly.ErrConfig) {
		t.Errorf("no VAULT_TOKEN: err = %v, want ErrConfig", err)
	}

	t.Setenv("VAULT_TOKEN", srv.RootToken())
	got, err := get(t, "vault://"+addr+"/"+srv.Mount()+"?tls=false", "/db/prod")
	if err != nil || got != "v" {
		t.Errorf("default key: got %q, %v", got, err)
	}
	got, err = get(t, "vault://"+addr+"/"+srv.Mount()+"?tls=false&default_key=password&concurrency=2&namespace=ns", "/db/prod")
	if err != nil || got != "pw" {
		t.Errorf("default_key=password: got %q, %v", got, err)
	}
	t.Setenv("VAULT_ADDR", srv.URL())
	got, err = get(t, "vault:///"+srv.Mount(), "/db/prod:password")
	if err != nil || got != "pw" {
		t.Errorf("address from VAULT_ADDR: got %q, %v", got, err)
	}
	b, closer, err := open.Backend(t.Context(), "vault://"+addr+"?tls=false")
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	if _, ok := b.(*vault.Backend); !ok {
		t.Errorf("vault:// opened a %T", b)
	}
}

// Each login method of a vault:// URL logs in (no VAULT_TOKEN) with its
// settings: the secret id, the tokens and the AWS keys from files and the
// environment, never from the URL.
func TestBackendVaultLogins(t *testing.T) { // not parallel: t.Setenv
	srv := vaulttest.NewServer(t)
	srv.Put("db/prod", map[string]any{"value": "v"})
	srv.AddAppRole("role-1", "secret-id-1")
	srv.AddKubernetesRole("app", "jwt-1")
	srv.AddAWSRole("app", "AKIDVAULT", "aws-secret-1")
	isolateAWS(t)
	for _, v := range []string{"VAULT_ADDR", "VAULT_AGENT_ADDR", "VAULT_NAMESPACE", "VAULT_TOKEN"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	dir := t.TempDir()
	writeFile(t, dir, "token", srv.IssueToken()+"\n")
	writeFile(t, dir, "secret-id", "secret-id-1")
	writeFile(t, dir, "jwt", "jwt-1")
	t.Setenv("SID", "secret-id-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDVAULT")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "aws-secret-1")

	base := "vault://" + strings.TrimPrefix(srv.URL(), "http://") + "/" + srv.Mount() + "?tls=false&kv=2&"
	for _, q := range []string{
		"auth=token_file&token_file=" + filepath.Join(dir, "token"),
		"auth=approle&role_id=role-1&secret_id_file=" + filepath.Join(dir, "secret-id"),
		"auth=approle&role_id=role-1&secret_id_env=SID&auth_mount=approle",
		"auth=kubernetes&role=app&jwt_file=" + filepath.Join(dir, "jwt"),
		"auth=aws&role=app&region=us-east-1&rate=100",
	} {
		logins := srv.Logins()
		got, err := get(t, base+q, "/db/prod")
		if err != nil || got != "v" {
			t.Errorf("%s: got %q, %v", q, got, err)
		}
		if !strings.HasPrefix(q, "auth=token_file") && srv.Logins() == logins {
			t.Errorf("%s: no login reached the server", q)
		}
	}

	_, err := get(t, base+"auth=approle&role_id=role-1&secret_id_env=NOSUCHVAR", "/db/prod")
	if err == nil || strings.Contains(err.Error(), "secret-id-1") {
		t.Errorf("secret id variable unset: err = %v, want an error without the secret id", err)
	}
}

// secretsmanager:// opens the Secrets Manager backend, its endpoint from
// AWS_ENDPOINT_URL_SECRETS_MANAGER.
func TestBackendSecretsManager(t *testing.T) { // not parallel: t.Setenv
	srv := smtest.NewServer(t)
	srv.Put("db/password", "sm-value")
	isolateAWS(t)
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", srv.URL())
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret-test")
	got, err := get(t, "secretsmanager://?region=us-east-1&batch_concurrency=2&rate=50&burst=2", "db/password")
	if err != nil || got != "sm-value" {
		t.Errorf("got %q, %v", got, err)
	}
	b, closer, err := open.Backend(t.Context(), "secretsmanager://?region=us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	if _, ok := b.(*secretsmanager.Backend); !ok {
		t.Errorf("secretsmanager:// opened a %T", b)
	}
	_, _, err = open.Backend(t.Context(), "secretsmanager://?region=r&profile=nosuchprofile")
	if !errors.Is(err, vaultly.ErrConfig) || !strings.Contains(err.Error(), "no such profile") {
		t.Errorf("profile=nosuchprofile: err = %v", err)
	}
}

// Errors of the backends' constructors are configuration errors naming
// the chain member; none quotes the URL.
func TestBackendBuildErrors(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "missing")
	tests := []struct {
		url  string
		want string
	}{
		{"file://" + missing, "file"},
		{"env://,file://" + missing, "open: configuration error: chain member 2 of 2: file: "},
		{"env://,ssm://?region=r&profile=nosuchprofile", "open: configuration error: chain member 2 of 2: ssm URL: parameter \"profile\": no such profile"},
		{"env://?token=x", `parameter "token"`},
	}
	for _, tt := range tests {
		b, closer, err := open.Backend(t.Context(), tt.url)
		if err == nil || b != nil || closer != nil {
			t.Errorf("%q: got %v, %v, %v; want only an error", tt.url, b, closer, err)
			continue
		}
		if !errors.Is(err, vaultly.ErrConfig) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want ErrConfig containing %q", tt.url, err, tt.want)
		}
	}
}
