package integration

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly/backends/vault/vaulttest"
)

// authShape is what the backend reads from an auth answer: the status,
// the top-level keys, the keys of auth and of data, whether there are
// warnings, and the error strings.
type authShape struct {
	Status    int
	Keys      []string
	AuthKeys  []string
	DataKeys  []string
	Warnings  bool
	Errors    []string
	MountType string
}

func keysOf(raw json.RawMessage) []string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// authAnswer sends method path with token and body and describes the
// answer.
func authAnswer(t *testing.T, addr, token, method, path string, body any) authShape {
	t.Helper()
	c := newClient(t, addr, token, nil)
	if token == "" {
		c.ClearToken()
	}
	r := c.NewRequest(method, "/v1/"+path)
	if body != nil {
		must(t, r.SetJSONBody(body))
	}
	resp, _ := c.RawRequestWithContext(context.Background(), r)
	if resp == nil {
		t.Fatalf("no answer for %s", path)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	must(t, err)
	s := authShape{Status: resp.StatusCode}
	if len(raw) == 0 {
		return s
	}
	var top map[string]json.RawMessage
	must(t, json.Unmarshal(raw, &top))
	for k, v := range top {
		switch k {
		case "request_id":
		case "auth":
			s.AuthKeys = keysOf(v)
		case "data":
			s.DataKeys = keysOf(v)
		case "warnings":
			s.Warnings = string(v) != "null"
		case "errors":
			must(t, json.Unmarshal(v, &s.Errors))
		case "mount_type":
			must(t, json.Unmarshal(v, &s.MountType))
		}
		if k != "request_id" {
			s.Keys = append(s.Keys, k)
		}
	}
	slices.Sort(s.Keys)
	return s
}

// TestAuthWireParity holds vaulttest's approle login, lookup-self,
// renew-self (capped by the max TTL or not) and unwrap answers to the real
// core's.
func TestAuthWireParity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	core := newCoreTarget(t)
	_, err := core.root.Logical().WriteWithContext(ctx, "auth/approle/role/short", map[string]any{
		"token_policies": "app", "token_ttl": "1h", "token_max_ttl": "90m",
	})
	must(t, err)
	rid, err := core.root.Logical().ReadWithContext(ctx, "auth/approle/role/short/role-id")
	must(t, err)
	sid, err := core.root.Logical().WriteWithContext(ctx, "auth/approle/role/short/secret-id", nil)
	must(t, err)
	wrapper, err := core.root.Clone()
	must(t, err)
	wrapper.SetToken(core.root.Token())
	wrapper.SetWrappingLookupFunc(func(string, string) string { return "5m" })
	wrapped, err := wrapper.Logical().WriteWithContext(ctx, "auth/approle/role/short/secret-id", nil)
	must(t, err)

	srv := vaulttest.NewServer(t, vaulttest.WithTokenTTL(time.Hour, 90*time.Minute))
	srv.AddAppRole("short-role", "short-secret")

	type side struct {
		addr, roleID, secretID, wrapToken string
	}
	sides := []side{
		{core.addr, rid.Data["role_id"].(string), sid.Data["secret_id"].(string), wrapped.WrapInfo.Token},
		{srv.URL(), "short-role", "short-secret", srv.Wrap(map[string]any{"secret_id": "short-secret", "secret_id_accessor": "a", "secret_id_ttl": 0, "secret_id_num_uses": 0})},
	}
	var got [2][]authShape
	for i, sd := range sides {
		login := map[string]any{"role_id": sd.roleID, "secret_id": sd.secretID}
		var token string
		{
			c := newClient(t, sd.addr, "", nil)
			c.ClearToken()
			s, err := c.Logical().WriteWithContext(ctx, "auth/approle/login", login)
			must(t, err)
			token = s.Auth.ClientToken
		}
		got[i] = []authShape{
			authAnswer(t, sd.addr, "", http.MethodPut, "auth/approle/login", login),
			authAnswer(t, sd.addr, "", http.MethodPut, "auth/approle/login", map[string]any{"role_id": sd.roleID, "secret_id": "wrong"}),
			authAnswer(t, sd.addr, token, http.MethodGet, "auth/token/lookup-self", nil),
			authAnswer(t, sd.addr, token, http.MethodPut, "auth/token/renew-self", map[string]any{"increment": 60}),
			authAnswer(t, sd.addr, token, http.MethodPut, "auth/token/renew-self", map[string]any{"increment": 7200}), // capped
			authAnswer(t, sd.addr, sd.wrapToken, http.MethodPut, "sys/wrapping/unwrap", nil),
			authAnswer(t, sd.addr, sd.wrapToken, http.MethodPut, "sys/wrapping/unwrap", nil), // used
			authAnswer(t, sd.addr, "hvs.not-a-token", http.MethodGet, "auth/token/lookup-self", nil),
		}
	}
	names := []string{"login", "bad secret id", "lookup-self", "renew-self", "renew-self capped", "unwrap", "unwrap again", "lookup-self bad token"}
	for j, name := range names {
		if diff := cmp.Diff(got[0][j], got[1][j]); diff != "" {
			t.Errorf("%s: core (-) vs vaulttest (+):\n%s", name, diff)
		}
	}
}
