package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vaultly/vaultly/backends/ssm/ssmtest"
)

// binary is the vaultly command, built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vaultly-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "vaultly")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what one run of the command left.
type result struct {
	Stdout, Stderr string
	Code           int
}

// runCLI runs the binary with args in an environment holding only PATH,
// HOME (an empty directory), isolated AWS settings and env.
func runCLI(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(baseEnv(t), env...)
	cmd.Dir = t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("running vaultly: %v", err)
	}
	return result{Stdout: stdout.String(), Stderr: stderr.String(), Code: cmd.ProcessState.ExitCode()}
}

func baseEnv(t *testing.T) []string {
	home := t.TempDir()
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"AWS_CONFIG_FILE=" + filepath.Join(home, "aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// noLeak fails the test when r's stderr holds one of values.
func noLeak(t *testing.T, r result, values ...string) {
	t.Helper()
	for _, v := range values {
		if strings.Contains(r.Stderr, v) {
			t.Errorf("stderr quotes a secret value %q: %s", v, r.Stderr)
		}
	}
}

// oneLine checks that stderr is one "vaultly: " line holding want.
func oneLine(t *testing.T, r result, want string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(r.Stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "vaultly: ") || !strings.Contains(lines[0], want) {
		t.Errorf("stderr = %q, want one vaultly: line containing %q", r.Stderr, want)
	}
}

func masked(v string) string {
	return fmt.Sprintf("length=%d hmac=%s\n", len(v), fingerprint(v))
}

var envSecrets = []string{
	"MYAPP_DB_PASSWORD=s3cret",
	"MYAPP_DB_USER=app",
	`MYAPP_DB={"user":"app","password":"pw-in-json","port":5432}`,
	"MYAPP_API_KEY=k-123",
}

func TestGet(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "db/password", "file-secret\n")
	writeFile(t, dir, "db/conn", `{"host":"db","password":"pw-in-file"}`)
	tests := []struct {
		args   []string
		want   result
		stderr string // a substring of the one line of stderr
	}{
		{args: []string{"get", "env://MYAPP", "/db/password"}, want: result{Stdout: masked("s3cret")}},
		{args: []string{"get", "env://MYAPP", "/db/password", "--reveal"}, want: result{Stdout: "s3cret\n"}},
		{args: []string{"get", "--reveal", "env://MYAPP", "/db/password"}, want: result{Stdout: "s3cret\n"}},
		{args: []string{"get", "env://MYAPP", "--reveal", "/db/password"}, want: result{Stdout: "s3cret\n"}},
		{args: []string{"get", "env://MYAPP", "/db/password", "--version", "3"}, want: result{Stdout: masked("s3cret")}},
		{args: []string{"get", "env://MYAPP", "/db", "--key", "password"}, want: result{Stdout: masked("pw-in-json")}},
		{args: []string{"get", "env://MYAPP", "/db", "--key=password", "-reveal"}, want: result{Stdout: "pw-in-json\n"}},
		{args: []string{"get", "env://MYAPP", "/db", "--key", "port", "--reveal"}, want: result{Stdout: "5432\n"}},
		{args: []string{"get", "file://" + dir, "/db/password", "--reveal"}, want: result{Stdout: "file-secret\n"}},
		{args: []string{"get", "file://" + dir, "/db/conn", "--key", "password"}, want: result{Stdout: masked("pw-in-file")}},
		{args: []string{"get", "env://NOPE,file://" + dir, "/db/password", "--reveal"}, want: result{Stdout: "file-secret\n"}},
		{args: []string{"get", "env://MYAPP?retry=2s", "/db/password"}, want: result{Stdout: masked("s3cret")}},

		{args: []string{"get", "env://MYAPP", "/db/nope"}, want: result{Code: exitNotFound}, stderr: "MYAPP_DB_NOPE is not set"},
		{args: []string{"get", "env://MYAPP", "/db", "--key", "nope"}, want: result{Code: exitNotFound}, stderr: "/db#nope: secret not found"},
		{args: []string{"get", "env://MYAPP", "/db/password", "--key", "x"}, want: result{Code: exitConfig}, stderr: "configuration error"},
		{args: []string{"get", "file://" + dir, "/db/nope"}, want: result{Code: exitNotFound}, stderr: "not found"},
		{args: []string{"get", "file://" + dir, "/../etc/passwd"}, want: result{Code: exitConfig}, stderr: "configuration error"},
		{args: []string{"get", "s3://bucket", "/a"}, want: result{Code: exitConfig}, stderr: `unknown scheme "s3"`},
		{args: []string{"get", "vault://v?token=s3cret", "/a"}, want: result{Code: exitConfig}, stderr: `parameter "token" would put a secret`},
		{args: []string{"get", "file:///no/such/dir", "/a"}, want: result{Code: exitConfig}, stderr: "file"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			got := runCLI(t, envSecrets, tt.args...)
			if tt.stderr != "" {
				oneLine(t, got, tt.stderr)
				got.Stderr = ""
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			noLeak(t, got, "s3cret", "pw-in-json", "pw-in-file", "file-secret")
		})
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args   []string
		stderr string
	}{
		{nil, "usage:"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"get"}, "want URL PATH, got 0 arguments"},
		{[]string{"get", "env://"}, "want URL PATH, got 1 arguments"},
		{[]string{"get", "env://", "/a", "/b"}, "want URL PATH, got 3 arguments"},
		{[]string{"get", "env://", "/a", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"get", "env://", "/a", "--key"}, "flag needs an argument: -key"},
		{[]string{"ls", "env://"}, "want URL PREFIX"},
		// an unset shell variable must not list the whole store: "/" does
		{[]string{"ls", "env://", ""}, "empty PREFIX"},
		{[]string{"ls", "env://", "/a", "--max", "0"}, "--max must be at least 1"},
		{[]string{"exec", "env://", "--env", "A=/a"}, "want -- PROGRAM"},
		{[]string{"exec", "env://", "--env", "A=/a", "--"}, "no PROGRAM after --"},
		{[]string{"exec", "--env", "A=/a", "--", "true"}, "want one URL before --, got 0"},
		{[]string{"exec", "env://", "--", "true"}, "want at least one --env NAME=PATH or --prefix PREFIX"},
		{[]string{"exec", "env://", "--env", "1A=/a", "--", "true"}, "NAME a variable name"},
		{[]string{"exec", "env://", "--env", "A", "--", "true"}, "--env wants NAME=PATH"},
		{[]string{"exec", "env://", "--env", "A=", "--", "true"}, "empty PATH"},
		{[]string{"exec", "env://", "--env", "A=/a#", "--", "true"}, "empty key after #"},
		{[]string{"exec", "env://", "--env", "A=/a@", "--", "true"}, "empty version after @"},
		{[]string{"exec", "env://", "--env", "A=/a", "--env", "A=/b", "--", "true"}, "--env A given twice"},
		{[]string{"exec", "env://", "--prefix", "", "--", "true"}, "empty --prefix (the root is /)"},
		// a value pasted in place of the path is not echoed
		{[]string{"exec", "env://", "--env", "PW=hunter2-pasted#", "--", "true"}, "--env PW: empty key after #"},
	}
	for _, tt := range tests {
		got := runCLI(t, nil, tt.args...)
		if got.Code != exitUsage || !strings.Contains(got.Stderr, tt.stderr) || got.Stdout != "" {
			t.Errorf("vaultly %q = %+v, want exit %d and %q on stderr", tt.args, got, exitUsage, tt.stderr)
		}
		if strings.Contains(got.Stderr, "hunter2") {
			t.Errorf("vaultly %q: stderr %q quotes the --env value", tt.args, got.Stderr)
		}
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		got := runCLI(t, nil, args...)
		if got.Code != 0 || !strings.HasPrefix(got.Stdout, "usage:") || got.Stderr != "" {
			t.Errorf("vaultly %q = %+v, want the usage on stdout and exit 0", args, got)
		}
	}
}

func TestLs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "app/b", "1")
	writeFile(t, dir, "app/a/nested", "2")
	writeFile(t, dir, "other", "3")
	tests := []struct {
		args   []string
		want   result
		stderr string
	}{
		{args: []string{"ls", "env://MYAPP", "/db"}, want: result{Stdout: "/db/password\n/db/user\n"}},
		{args: []string{"ls", "env://MYAPP", "/db/"}, want: result{Stdout: "/db/password\n/db/user\n"}},
		{args: []string{"ls", "file://" + dir, "/app"}, want: result{Stdout: "/app/a/nested\n/app/b\n"}},
		{args: []string{"ls", "env://NOPE,file://" + dir, "/app", "--max", "2"}, want: result{Stdout: "/app/a/nested\n/app/b\n"}},
		{args: []string{"ls", "file://" + dir, "/nothing"}, want: result{}},
		{args: []string{"ls", "mock://", "/"}, want: result{}},
		{args: []string{"ls", "file://" + dir, "/app", "--max", "1"}, want: result{Code: exitConfig}, stderr: "more than 1 secrets"},
	}
	for _, tt := range tests {
		got := runCLI(t, envSecrets, tt.args...)
		if tt.stderr != "" {
			oneLine(t, got, tt.stderr)
			got.Stderr = ""
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("vaultly %q (-want +got):\n%s", tt.args, diff)
		}
		noLeak(t, got, "s3cret", "app")
	}
}

// The SSM backend through the binary, pointed at ssmtest by the variables
// the AWS SDK reads.
func TestSSM(t *testing.T) {
	t.Parallel()
	srv := ssmtest.NewServer(t)
	srv.PutSecure("/app/db/password", "ssm-v1")
	srv.PutSecure("/app/db/password", "ssm-v2")
	srv.Put("/app/db/user", "app")
	srv.Put("/app/flags", `{"beta":true}`)
	srv.Put("/denied", "x")
	srv.Put("/broken", "x")
	srv.Inject(ssmtest.AccessDenied(), "/denied")
	srv.Inject(ssmtest.InternalError(), "/broken")
	env := []string{
		"AWS_REGION=us-east-1",
		"AWS_ENDPOINT_URL_SSM=" + srv.URL(),
		"AWS_ACCESS_KEY_ID=AKIDTEST",
		"AWS_SECRET_ACCESS_KEY=aws-secret-test",
		"AWS_MAX_ATTEMPTS=1",
	}
	tests := []struct {
		args   []string
		want   result
		stderr string
	}{
		{args: []string{"get", "ssm://", "/app/db/password", "--reveal"}, want: result{Stdout: "ssm-v2\n"}},
		{args: []string{"get", "ssm://", "/app/db/password", "--version", "1", "--reveal"}, want: result{Stdout: "ssm-v1\n"}},
		{args: []string{"get", "ssm://?region=us-east-1&rate=50", "/app/db/password"}, want: result{Stdout: masked("ssm-v2")}},
		{args: []string{"get", "ssm://", "/app/flags", "--key", "beta", "--reveal"}, want: result{Stdout: "true\n"}},
		{args: []string{"ls", "ssm://", "/app"}, want: result{Stdout: "/app/db/password\n/app/db/user\n/app/flags\n"}},
		{args: []string{"get", "ssm://", "/app/nope"}, want: result{Code: exitNotFound}, stderr: "/app/nope"},
		{args: []string{"get", "ssm://", "/app/db/password", "--version", "9"}, want: result{Code: exitNotFound}, stderr: "/app/db/password"},
		{args: []string{"get", "ssm://", "/denied"}, want: result{Code: exitAuth}, stderr: "/denied"},
		{args: []string{"get", "ssm://", "/broken"}, want: result{Code: exitTransient}, stderr: "/broken"},
	}
	for _, tt := range tests {
		got := runCLI(t, env, tt.args...)
		if tt.stderr != "" {
			oneLine(t, got, tt.stderr)
			got.Stderr = ""
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("vaultly %q (-want +got):\n%s", tt.args, diff)
		}
		noLeak(t, got, "ssm-v1", "ssm-v2", "aws-secret-test")
	}

	// exec with secrets from SSM
	got := runCLI(t, env, "exec", "ssm://", "--env", "PW=/app/db/password@1", "--prefix", "/app/db", "--",
		"sh", "-c", `printf '%s %s %s' "$PW" "$PASSWORD" "$USER"`)
	if diff := cmp.Diff(result{Stdout: "ssm-v1 ssm-v2 app"}, got); diff != "" {
		t.Errorf("exec (-want +got):\n%s", diff)
	}

	// no credentials: access denied
	got = runCLI(t, []string{"AWS_REGION=us-east-1", "AWS_ENDPOINT_URL_SSM=" + srv.URL()}, "get", "ssm://", "/app/db/user")
	if got.Code != exitAuth {
		t.Errorf("no credentials: %+v, want exit %d", got, exitAuth)
	}
}

func TestExec(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses sh")
	}
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "svc/db_password", "file-secret")
	writeFile(t, dir, "svc/api/token", "tok")
	nul := t.TempDir()
	writeFile(t, nul, "svc/nul", "a\x00b")
	hostile := t.TempDir() // whoever can write under the prefix must not choose the program's loader or PATH
	writeFile(t, hostile, "svc/ld_preload", "/tmp/evil.so")
	writeFile(t, hostile, "svc/ok", "fine")
	printEnv := []string{"--", "sh", "-c", `printf '%s|%s|%s|%s' "$PW" "$USER_NAME" "$DB_PASSWORD" "$API_TOKEN"`}
	tests := []struct {
		args   []string
		want   result
		stderr string
	}{
		{args: append([]string{"exec", "env://MYAPP", "--env", "PW=/db/password"}, printEnv...), want: result{Stdout: "s3cret|old||"}},
		{args: append([]string{"exec", "env://MYAPP", "--env", "PW=/db#password", "--env", "USER_NAME=/db/user"}, printEnv...), want: result{Stdout: "pw-in-json|app||"}},
		{args: append([]string{"exec", "file://" + dir, "--prefix", "/svc"}, printEnv...), want: result{Stdout: "|old|file-secret|tok"}},
		{args: append([]string{"exec", "env://MYAPP,file://" + dir, "--prefix", "/svc/", "--env", "PW=/db/password"}, printEnv...), want: result{Stdout: "s3cret|old|file-secret|tok"}},
		// a variable already set is replaced
		{args: append([]string{"exec", "env://MYAPP", "--env", "USER_NAME=/db/user"}, printEnv...), want: result{Stdout: "|app||"}},
		// the program's arguments are its own, flags included
		{args: []string{"exec", "env://MYAPP", "--env", "PW=/db/password", "--", "sh", "-c", `printf '%s' "$1"`, "sh", "--reveal"}, want: result{Stdout: "--reveal"}},
		// the exit status is the program's
		{args: []string{"exec", "env://MYAPP", "--env", "PW=/db/password", "--", "sh", "-c", "exit 7"}, want: result{Code: 7}},

		{args: append([]string{"exec", "env://MYAPP", "--env", "PW=/db/nope"}, printEnv...), want: result{Code: exitNotFound}, stderr: "MYAPP_DB_NOPE"},
		{args: append([]string{"exec", "file://" + dir, "--prefix", "/nothing"}, printEnv...), want: result{Stdout: "|old||"}},
		{args: append([]string{"exec", "file://" + nul, "--env", "X=/svc/nul"}, printEnv...), want: result{Code: exitConfig}, stderr: "NUL byte"},
		{args: append([]string{"exec", "file://" + nul, "--prefix", "/svc"}, printEnv...), want: result{Code: exitConfig}, stderr: "NUL byte"},
		{args: append([]string{"exec", "file://" + dir, "--prefix", "/svc", "--env", "DB_PASSWORD=/svc/api/token"}, printEnv...), want: result{Code: exitConfig}, stderr: "DB_PASSWORD would be set from both"},
		{args: append([]string{"exec", "file://" + hostile, "--prefix", "/svc"}, printEnv...), want: result{Code: exitConfig}, stderr: "--prefix may not set LD_PRELOAD"},
		// named explicitly with --env, the caller chose it
		{args: []string{"exec", "file://" + hostile, "--env", "DYLD_INSERT_LIBRARIES=/svc/ok", "--", "sh", "-c", `printf '%s' "$DYLD_INSERT_LIBRARIES"`}, want: result{Stdout: "fine"}},
		{args: []string{"exec", "env://MYAPP", "--env", "PW=/db/password", "--", "no-such-program-vaultly"}, want: result{Code: 127}, stderr: "not found"},
		// found but not executable: 126, as a shell says
		{args: []string{"exec", "env://MYAPP", "--env", "PW=/db/password", "--", filepath.Join(dir, "svc", "db_password")}, want: result{Code: 126}, stderr: "cannot run"},
		{args: []string{"exec", "env://MYAPP", "--env", "PW=/db/password", "--", dir}, want: result{Code: 126}, stderr: "cannot run"},
		{args: append([]string{"exec", "s3://x", "--env", "PW=/db/password"}, printEnv...), want: result{Code: exitConfig}, stderr: "unknown scheme"},
	}
	for _, tt := range tests {
		got := runCLI(t, append([]string{"USER_NAME=old"}, envSecrets...), tt.args...)
		if tt.stderr != "" {
			oneLine(t, got, tt.stderr)
			got.Stderr = ""
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("vaultly %q (-want +got):\n%s", tt.args, diff)
		}
		noLeak(t, got, "s3cret", "pw-in-json", "file-secret", "tok")
	}
}

// exec replaces the vaultly process: the program has vaultly's process id,
// so a signal sent to it reaches the program, whose exit status is
// vaultly's.
func TestExecReplacesProcess(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no exec on windows")
	}
	t.Parallel()
	cmd := exec.Command(binary, "exec", "env://MYAPP", "--env", "PW=/db/password", "--",
		"sh", "-c", `trap 'exit 42' TERM; echo $$; while :; do sleep 0.01; done`)
	cmd.Env = append(baseEnv(t), envSecrets...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid != cmd.Process.Pid {
		t.Errorf("the program runs as pid %q, vaultly was %d: not replaced", line, cmd.Process.Pid)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 42 {
		t.Errorf("exit status %d, want the program's 42", code)
	}
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
