package open

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly"
)

func ptr[T any](v T) *T { return &v }

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url  string
		want []spec
	}{
		// defaults and env
		{"", []spec{{Scheme: "env"}}},
		{"  ", []spec{{Scheme: "env"}}},
		{"env://", []spec{{Scheme: "env"}}},
		{"env:", []spec{{Scheme: "env"}}},
		{"env://MYAPP", []spec{{Scheme: "env", Prefix: "MYAPP"}}},
		{"env://MyApp_/", []spec{{Scheme: "env", Prefix: "MyApp_"}}},
		{"ENV://MYAPP", []spec{{Scheme: "env", Prefix: "MYAPP"}}},
		// file
		{"file:///run/secrets", []spec{{Scheme: "file", Dir: "/run/secrets"}}},
		{"file://localhost/run/secrets", []spec{{Scheme: "file", Dir: "/run/secrets"}}},
		{"file:testdata/secrets", []spec{{Scheme: "file", Dir: "testdata/secrets"}}},
		{"file:my%20secrets", []spec{{Scheme: "file", Dir: "my secrets"}}},
		{"file:///s?max_size=4096", []spec{{Scheme: "file", Dir: "/s", MaxSize: 4096}}},
		// mock
		{"mock://", []spec{{Scheme: "mock"}}},
		// ssm
		{"ssm://", []spec{{Scheme: "ssm"}}},
		{"ssm:///?region=eu-west-1", []spec{{Scheme: "ssm", Region: "eu-west-1"}}},
		{"ssm://?region=eu-west-1&profile=prod&decrypt=false&batch_concurrency=4",
			[]spec{{Scheme: "ssm", Region: "eu-west-1", Profile: "prod", Decrypt: ptr(false), BatchConcurrency: 4}}},
		{"ssm://?decrypt=yes", []spec{{Scheme: "ssm", Decrypt: ptr(true)}}},
		// secretsmanager
		{"secretsmanager://?region=us-east-2&profile=p&batch_concurrency=2",
			[]spec{{Scheme: "secretsmanager", Region: "us-east-2", Profile: "p", BatchConcurrency: 2}}},
		// vault
		{"vault://", []spec{{Scheme: "vault"}}},
		{"vault:///kv", []spec{{Scheme: "vault", Mount: "kv"}}},
		{"vault://vault.example.com:8200/secret",
			[]spec{{Scheme: "vault", Address: "https://vault.example.com:8200", Mount: "secret"}}},
		{"vault://vault.example.com", []spec{{Scheme: "vault", Address: "https://vault.example.com"}}},
		{"vault://v:8200/team/kv/?namespace=ns1&default_key=password&concurrency=3",
			[]spec{{Scheme: "vault", Address: "https://v:8200", Mount: "team/kv", Namespace: "ns1", DefaultKey: "password", Concurrency: 3}}},
		{"vault://127.0.0.1:8200/secret?tls=false", []spec{{Scheme: "vault", Address: "http://127.0.0.1:8200", PlainHTTP: true, Mount: "secret"}}},
		{"vault://localhost:8200?tls=false", []spec{{Scheme: "vault", Address: "http://localhost:8200", PlainHTTP: true}}},
		{"vault://[::1]:8200?tls=false", []spec{{Scheme: "vault", Address: "http://[::1]:8200", PlainHTTP: true}}},
		{"vault://v:8200?tls=true", []spec{{Scheme: "vault", Address: "https://v:8200"}}},
		{"vault://v?auth=token", []spec{{Scheme: "vault", Address: "https://v"}}},
		{"vault://v?auth=token_file&token_file=/run/vault/token",
			[]spec{{Scheme: "vault", Address: "https://v", Auth: authSpec{Method: "token_file", TokenFile: "/run/vault/token"}}}},
		{"vault://v?auth=approle&role_id=r1&secret_id_file=/s/id&auth_mount=approle2&wrapped=true",
			[]spec{{Scheme: "vault", Address: "https://v", Auth: authSpec{Method: "approle", RoleID: "r1", SecretIDFile: "/s/id", Mount: "approle2", Wrapped: true}}}},
		{"vault://v?auth=approle&role_id=r1&secret_id_env=SID",
			[]spec{{Scheme: "vault", Address: "https://v", Auth: authSpec{Method: "approle", RoleID: "r1", SecretIDEnv: "SID"}}}},
		{"vault://v/secret?auth=kubernetes&role=app&jwt_file=/t",
			[]spec{{Scheme: "vault", Address: "https://v", Mount: "secret", Auth: authSpec{Method: "kubernetes", Role: "app", JWTFile: "/t"}}}},
		{"vault://v?auth=aws&role=app&server_id=vault.example.com&region=eu-west-1",
			[]spec{{Scheme: "vault", Address: "https://v", Auth: authSpec{Method: "aws", Role: "app", ServerID: "vault.example.com", Region: "eu-west-1"}}}},
		{"vault://v?kv=1&rate=2.5&burst=4", []spec{{Scheme: "vault", Address: "https://v", KVVersion: 1, RateLimit: 2.5, Burst: 4}}},
		{"vault://v?kv=2&rate=2.5", []spec{{Scheme: "vault", Address: "https://v", KVVersion: 2, RateLimit: 2.5, Burst: 3}}},
		{"ssm://?rate=0.5", []spec{{Scheme: "ssm", RateLimit: 0.5, Burst: 1}}},
		{"secretsmanager://?rate=20&burst=5", []spec{{Scheme: "secretsmanager", RateLimit: 20, Burst: 5}}},
		// wrappers
		{"env://A?retry=10s", []spec{{Scheme: "env", Prefix: "A", Retry: 10 * time.Second}}},
		{"ssm://?retry=1m30s&retry_attempts=5", []spec{{Scheme: "ssm", Retry: 90 * time.Second, RetryAttempts: 5}}},
		{"env://A,file:///s", []spec{{Scheme: "env", Prefix: "A"}, {Scheme: "file", Dir: "/s"}}},
		{" vault://v/secret?retry=5s , ssm://?region=r , mock:// ",
			[]spec{{Scheme: "vault", Address: "https://v", Mount: "secret", Retry: 5 * time.Second}, {Scheme: "ssm", Region: "r"}, {Scheme: "mock"}}},
	}
	for _, tt := range tests {
		got, err := parse(tt.url)
		if err != nil {
			t.Errorf("parse(%q): %v", tt.url, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parse(%q) (-want +got):\n%s", tt.url, diff)
		}
	}
}

// A secret that a test puts in a URL; no error may quote it.
const leak = "S3CRETvalue"

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url  string
		want string // a substring of the error
	}{
		{"::", "malformed URL"},
		{"env://a%zz", "malformed URL"},
		{"/run/secrets", "no scheme"},
		{leak, "no scheme"},
		{"s3://bucket", `unknown scheme "s3"`},
		{"HVS" + leak + "://x", "unknown scheme (name not shown"},
		{",", "chain member 1 of 2: empty URL"},
		{"env://,", "chain member 2 of 2: empty URL"},
		{"env://A,s3://b", `chain member 2 of 2: unknown scheme "s3"`},
		{"env://A#frag", "fragment"},
		{"env://A?x=1#" + leak, "fragment"},
		{"env:MYAPP", "write env://PREFIX"},
		{"env://MYAPP/db", "takes no path"},
		{"env://a:1", "cannot hold ':'"},
		{"env://A?prefix=B", `unknown parameter "prefix" (env takes retry, retry_attempts)`},
		{"file://", "no directory"},
		{"file://host/dir", "has a host"},
		{"file:///s?max_size=0", `parameter "max_size": want a size in bytes`},
		{"file:///s?max_size=big", `parameter "max_size": want a size in bytes`},
		{"mock://x", "takes no host or path"},
		{"mock:///x", "takes no host or path"},
		{"mock://?x=1", `unknown parameter "x"`},
		{"ssm://eu-west-1", "takes no host or path"},
		{"ssm://?region=", `parameter "region": empty value`},
		{"ssm://?region=a&region=b", `parameter "region" given 2 times`},
		{"ssm://?decrypt=maybe", `parameter "decrypt": want true or false`},
		{"ssm://?batch_concurrency=0", `parameter "batch_concurrency": want a whole number of at least 1`},
		{"ssm://?endpoint=http://evil", `parameter "endpoint" would put a secret in the URL`},
		{"ssm://?aws_secret_access_key=" + leak, `parameter "aws_secret_access_key" would put a secret`},
		{"ssm://?Region=x", "unknown parameter (name not shown"},
		{"ssm://?" + leak + "=1", "unknown parameter (name not shown"},
		{"secretsmanager://?decrypt=true", `unknown parameter "decrypt"`},
		{"vault:secret", "write vault://HOST:PORT/MOUNT"},
		{"vault://user:" + leak + "@v/secret", "user info"},
		{"vault://" + leak + "@v/secret", "user info"},
		{"vault://v?token=" + leak, `parameter "token" would put a secret in the URL: set VAULT_TOKEN`},
		{"vault://v?TOKEN=" + leak, "would put a secret in the URL"},
		{"vault://v?auth=approle&role_id=r&secret_id=" + leak, `parameter "secret_id" would put a secret`},
		{"vault://v?auth=kubernetes&role=r&jwt=" + leak, `parameter "jwt" would put a secret`},
		{"vault://v?password=" + leak, `parameter "password" would put a secret`},
		{"vault://v?aaa=1&region=&token=" + leak, `parameter "token" would put a secret`},
		{"vault://v?tls=false", `parameter "tls": plain http is allowed on a loopback host only`},
		{"vault://10.0.0.1:8200?tls=false", "loopback host only"},
		{"vault://?tls=false", `parameter "tls" needs a host`},
		{"vault://localhost:99999?tls=false", "port: want 1 to 65535"},
		{"vault://v:0", "port: want 1 to 65535"},
		{"vault://v:", "port: want 1 to 65535"},
		{"file:%00", "directory holds a NUL byte"},
		{"file:///a%00b", "directory holds a NUL byte"},
		{"vault://v?tls=nope", `parameter "tls": want true or false`},
		{"vault://v?auth=ldap", `parameter "auth": want token, token_file, approle, kubernetes or aws`},
		{"vault://v?auth=token_file", "auth=token_file needs token_file=PATH"},
		{"vault://v?token_file=/t", `parameter token_file needs auth=token_file`},
		{"vault://v?auth=approle&secret_id_file=/f", "auth=approle needs role_id"},
		{"vault://v?auth=approle&role_id=r", "needs one of secret_id_file=PATH or secret_id_env=NAME"},
		{"vault://v?auth=approle&role_id=r&secret_id_file=/f&secret_id_env=E", "needs one of secret_id_file"},
		{"vault://v?auth=approle&role_id=r&secret_id_file=/f&wrapped=perhaps", `parameter "wrapped": want true or false`},
		{"vault://v?auth=kubernetes", "auth=kubernetes needs role"},
		{"vault://v?role=app", "parameter role needs auth=kubernetes or auth=aws"},
		{"vault://v?auth=kubernetes&role=a&server_id=x", "parameter server_id needs auth=aws"},
		{"vault://v?auth_mount=x", "parameter auth_mount needs auth=approle or auth=kubernetes or auth=aws"},
		{"vault://v?auth=token_file&token_file=/t&auth_mount=x", "parameter auth_mount needs auth=approle"},
		{"vault://v?auth=aws", "auth=aws needs role"},
		{"vault://v?kv=3", `parameter "kv": want 1 or 2`},
		{"vault://v?rate=0", `parameter "rate": want a positive number`},
		{"vault://v?rate=-1", `parameter "rate": want a positive number`},
		{"vault://v?rate=NaN", `parameter "rate": want a positive number`},
		{"vault://v?rate=Inf", `parameter "rate": want a positive number`},
		{"ssm://?burst=3", `parameter "burst" needs rate`},
		{"ssm://?rate=1&burst=0", `parameter "burst": want a whole number of at least 1`},
		{"env://?rate=1", `unknown parameter "rate"`},
		{"vault://v?concurrency=-1", `parameter "concurrency": want a whole number`},
		{"env://?retry=soon", `parameter "retry": want a positive duration`},
		{"env://?retry=-1s", `parameter "retry": want a positive duration`},
		{"env://?retry=0s", `parameter "retry": want a positive duration`},
		{"env://?retry_attempts=0", `parameter "retry_attempts": want a whole number of at least 1`},
		{"env://?a=1;b=2", "malformed query"},
	}
	for _, tt := range tests {
		_, err := parse(tt.url)
		if err == nil {
			t.Errorf("parse(%q): no error, want one containing %q", tt.url, tt.want)
			continue
		}
		msg := err.Error()
		if !errors.Is(err, vaultly.ErrConfig) {
			t.Errorf("parse(%q) = %v, want an ErrConfig", tt.url, err)
		}
		if !strings.Contains(msg, tt.want) {
			t.Errorf("parse(%q) = %q, want it to contain %q", tt.url, msg, tt.want)
		}
		if strings.Contains(msg, leak) || strings.Contains(msg, "evil") {
			t.Errorf("parse(%q) = %q: quotes a value", tt.url, msg)
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("parse(%q) = %q: more than one line", tt.url, msg)
		}
	}
}
