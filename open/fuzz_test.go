package open

import (
	"errors"
	"strings"
	"testing"

	"github.com/vaultly/vaultly"
)

// FuzzParse: no input panics; every error is one ErrConfig line that does
// not quote the input's query values or user info.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"", "env://MYAPP", "file:///run/secrets", "file:rel", "mock://", "ssm://?region=eu-west-1&rate=5",
		"secretsmanager://?profile=p", "vault://v:8200/secret?auth=approle&role_id=r&secret_id_file=/f",
		"vault://127.0.0.1:8200?tls=false", "env://A?retry=10s,file:///x", "vault://u:p@h/", "%", "a,b,,c",
		"vault://v?auth=kubernetes&role=a&jwt_file=/t&kv=1", "ssm://?token=x",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		specs, err := parse(raw)
		if err == nil {
			if len(specs) == 0 {
				t.Fatalf("parse(%q): no spec and no error", raw)
			}
			return
		}
		if !errors.Is(err, vaultly.ErrConfig) {
			t.Fatalf("parse(%q) = %v: not ErrConfig", raw, err)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Fatalf("parse(%q) = %q: more than one line", raw, err)
		}
		const marker = "Zq9Secret"
		sep := "?"
		if last := raw[strings.LastIndex(raw, ",")+1:]; strings.Contains(last, "?") {
			sep = "&"
		}
		withSecret := raw + sep + "token=" + marker
		if _, err := parse(withSecret); err == nil || strings.Contains(err.Error(), marker) {
			t.Fatalf("parse(%q) = %v: accepted or quoted a token", withSecret, err)
		}
	})
}
