package vault_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/vault"
)

// TestBadEnvironmentIsNotQuoted: a VAULT_* variable the client library
// cannot parse (here a proxy URL whose password holds a bare %) is a
// configuration error that does not quote the variable's value.
// Not parallel: it sets the environment.
func TestBadEnvironmentIsNotQuoted(t *testing.T) {
	t.Setenv("VAULT_PROXY_ADDR", "http://proxyuser:Pa%ss-w0rd@proxy:3128")
	_, err := vault.New(vault.WithAddress("http://127.0.0.1:8200"), vault.WithToken("s.token"))
	if !errors.Is(err, vaultly.ErrConfig) {
		t.Fatalf("New = %v, want ErrConfig", err)
	}
	for _, s := range []string{"Pa%ss", "w0rd", "proxyuser"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error quotes %q: %v", s, err)
		}
	}
}
