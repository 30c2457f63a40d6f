package integration

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/vault/api"
)

// shape is what a client can tell from an answer: the status, the
// top-level keys, whether data.data is null, the metadata keys, and
// whether errors is empty.
type shape struct {
	Status        int
	Keys          []string
	DataNull      bool
	MetadataKeys  []string
	Version       any
	Destroyed     any
	Deleted       bool
	EmptyErrors   bool
	HasErrorsList bool
}

func answerShape(t *testing.T, c *api.Client, token, path, version string) shape {
	t.Helper()
	c2, err := c.Clone()
	must(t, err)
	c2.SetToken(token)
	r := c2.NewRequest(http.MethodGet, "/v1/"+mount+"/data/"+path)
	if version != "" {
		r.Params.Set("version", version)
	}
	resp, _ := c2.RawRequestWithContext(context.Background(), r)
	if resp == nil {
		t.Fatalf("no answer for %s", path)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	must(t, err)
	var top map[string]json.RawMessage
	must(t, json.Unmarshal(body, &top))
	s := shape{Status: resp.StatusCode}
	for k := range top {
		if k != "request_id" { // random either way
			s.Keys = append(s.Keys, k)
		}
	}
	slices.Sort(s.Keys)
	if raw, ok := top["errors"]; ok {
		var errs []string
		must(t, json.Unmarshal(raw, &errs))
		s.HasErrorsList, s.EmptyErrors = true, len(errs) == 0
	}
	var data struct {
		Data     json.RawMessage `json:"data"`
		Metadata map[string]any  `json:"metadata"`
	}
	if raw, ok := top["data"]; ok && string(raw) != "null" {
		must(t, json.Unmarshal(raw, &data))
		s.DataNull = string(data.Data) == "null"
		for k := range data.Metadata {
			s.MetadataKeys = append(s.MetadataKeys, k)
		}
		slices.Sort(s.MetadataKeys)
		s.Version, s.Destroyed = data.Metadata["version"], data.Metadata["destroyed"]
		s.Deleted = data.Metadata["deletion_time"] != ""
	}
	return s
}

// TestWireParity holds vaulttest's answers to the real core's.
func TestWireParity(t *testing.T) {
	fake, core := newVaulttestTarget(t), newCoreTarget(t)
	ctx := context.Background()
	for _, tg := range []*target{fake, core} {
		for _, v := range []string{"v1", "v2", "v3"} {
			put(t, tg, "parity/p", map[string]any{"value": v, "n": 1})
		}
		must(t, tg.root.KVv2(mount).DeleteVersions(ctx, "parity/p", []int{2}))
		must(t, tg.root.KVv2(mount).Destroy(ctx, "parity/p", []int{1}))
		put(t, tg, "parity/gone", map[string]any{"value": "x"})
		must(t, tg.root.KVv2(mount).Delete(ctx, "parity/gone"))
		put(t, tg, "forbidden/p", map[string]any{"value": "x"})
	}
	appToken := func(tg *target) string {
		c := newClient(t, tg.addr, "", nil)
		c.ClearToken()
		s, err := c.Logical().WriteWithContext(ctx, "auth/approle/login", map[string]any{"role_id": tg.roleID, "secret_id": tg.secretID})
		must(t, err)
		return s.Auth.ClientToken
	}
	cases := []struct {
		name, path, version string
		token               func(*target) string
	}{
		{"latest", "parity/p", "", nil},
		{"version 3", "parity/p", "3", nil},
		{"deleted version", "parity/p", "2", nil},
		{"destroyed version", "parity/p", "1", nil},
		{"deleted latest", "parity/gone", "", nil},
		{"missing version", "parity/p", "9", nil},
		{"missing path", "parity/none", "", nil},
		{"bad token", "parity/p", "", func(*target) string { return "hvs.not-a-token" }},
		{"policy denial", "forbidden/p", "", appToken},
		{"allowed by policy", "parity/p", "", appToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var shapes []shape
			for _, tg := range []*target{core, fake} {
				token := tg.root.Token()
				if tc.token != nil {
					token = tc.token(tg)
				}
				shapes = append(shapes, answerShape(t, tg.root, token, tc.path, tc.version))
			}
			if diff := cmp.Diff(shapes[0], shapes[1]); diff != "" {
				t.Errorf("core (-) vs vaulttest (+):\n%s", diff)
			}
		})
	}
}
