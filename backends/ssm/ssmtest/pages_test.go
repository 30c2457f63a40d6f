package ssmtest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly/backends/ssm/ssmtest"
)

// With WithPageSizes the listing comes in short and empty pages, each but
// the last with a NextToken, and nothing is lost or repeated.
func TestShortPages(t *testing.T) {
	t.Parallel()
	srv := ssmtest.NewServer(t, ssmtest.WithPageSizes(3, 0, 10))
	var want []string
	for i := range 25 {
		name := fmt.Sprintf("/p/k%02d", i)
		srv.Put(name, "v")
		want = append(want, name)
	}
	client := srv.Client()
	var (
		names  []string
		sizes  []int
		tokens = map[string]bool{}
		token  *string
	)
	for {
		out, err := client.GetParametersByPath(t.Context(), &ssm.GetParametersByPathInput{
			Path: aws.String("/p"), Recursive: aws.Bool(true), MaxResults: aws.Int32(10), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(out.Parameters))
		for _, p := range out.Parameters {
			names = append(names, aws.ToString(p.Name))
		}
		if out.NextToken == nil {
			break
		}
		if tokens[*out.NextToken] {
			t.Fatalf("NextToken %q repeated", *out.NextToken)
		}
		tokens[*out.NextToken] = true
		token = out.NextToken
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{3, 0, 10, 3, 0, 9}, sizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
}

func TestPageSizesOption(t *testing.T) {
	t.Parallel()
	for _, sizes := range [][]int{nil, {0}, {0, 0}, {-1, 3}, {11}} {
		srv, err := ssmtest.New(ssmtest.WithPageSizes(sizes...))
		if srv != nil {
			srv.Close()
		}
		if err == nil || !strings.Contains(err.Error(), "WithPageSizes") {
			t.Errorf("WithPageSizes(%v): %v, want an error naming WithPageSizes", sizes, err)
		}
	}
}

func TestParameterFiltersRefused(t *testing.T) {
	t.Parallel()
	srv := ssmtest.NewServer(t)
	srv.Put("/p/a", "v")
	_, err := srv.Client().GetParametersByPath(t.Context(), &ssm.GetParametersByPathInput{
		Path: aws.String("/p"),
		ParameterFilters: []types.ParameterStringFilter{
			{Key: aws.String("Type"), Values: []string{"SecureString"}},
		},
	})
	if errCode(err) != "ValidationException" || !strings.Contains(err.Error(), "ParameterFilters") {
		t.Errorf("error %v, want a ValidationException naming ParameterFilters", err)
	}
	if n := srv.Requests(ssmtest.OpGetParametersByPath); n != 1 {
		t.Errorf("%d requests, want 1 (not retried)", n)
	}
}

// A fault on a parameter applies to a listing that covers it.
func TestFaultOnListedParameter(t *testing.T) {
	t.Parallel()
	srv := ssmtest.NewServer(t)
	srv.Put("/p/a", "v")
	srv.Put("/p/b/c", "v")
	srv.Put("/q/d", "v")
	srv.Inject(ssmtest.AccessDenied(), "/p/b/c")
	client := srv.Client()
	tests := []struct {
		path      string
		recursive bool
		want      string
	}{
		{path: "/p", recursive: true, want: "AccessDeniedException"},
		{path: "/p/b", recursive: false, want: "AccessDeniedException"},
		{path: "/p", recursive: false}, // lists /p/a only
		{path: "/q", recursive: true},
	}
	for _, tt := range tests {
		_, err := client.GetParametersByPath(t.Context(), &ssm.GetParametersByPathInput{
			Path: aws.String(tt.path), Recursive: aws.Bool(tt.recursive)})
		if code := errCode(err); code != tt.want {
			t.Errorf("GetParametersByPath(%s, recursive %v): code %q, want %q", tt.path, tt.recursive, code, tt.want)
		}
	}
}
