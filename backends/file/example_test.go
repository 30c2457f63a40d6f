package file_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backends/file"
)

func Example() {
	// A directory laid out like a Kubernetes secret volume.
	dir, err := os.MkdirTemp("", "secrets")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	_ = os.MkdirAll(filepath.Join(dir, "db", "prod"), 0o700)
	_ = os.WriteFile(filepath.Join(dir, "db", "prod", "password"), []byte("hunter2\n"), 0o600)

	b, err := file.New(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()

	pw, err := b.Get(context.Background(), vaultly.Ref{Path: "/db/prod/password"})
	fmt.Printf("%q %v\n", pw, err) // the trailing newline is trimmed
	_, err = b.Get(context.Background(), vaultly.Ref{Path: "/../../etc/passwd"})
	fmt.Println(errors.Is(err, vaultly.ErrConfig))
	// Output:
	// "hunter2" <nil>
	// true
}
