package main

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"slices"
	"strings"
	"syscall"

	"github.com/vaultly/vaultly"
	"github.com/vaultly/vaultly/backendkit"
	"github.com/vaultly/vaultly/backends/env"
	"github.com/vaultly/vaultly/open"
)

// envName is what a variable name --env accepts.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// binding is one variable exec sets: its name and where its value is.
type binding struct {
	name string
	ref  vaultly.Ref
}

// parseBinding reads NAME=PATH[@VERSION][#KEY].
func parseBinding(s string) (binding, error) {
	name, spec, ok := strings.Cut(s, "=")
	if !ok || !envName.MatchString(name) {
		return binding{}, usageError("exec: --env wants NAME=PATH with NAME a variable name (letters, digits, _)")
	}
	var ref vaultly.Ref
	if i := strings.LastIndex(spec, "#"); i >= 0 {
		spec, ref.Key = spec[:i], spec[i+1:]
		if ref.Key == "" {
			return binding{}, usageError("exec: --env %s: empty key after #", name)
		}
	}
	if i := strings.LastIndex(spec, "@"); i >= 0 {
		spec, ref.Version = spec[:i], spec[i+1:]
		if ref.Version == "" {
			return binding{}, usageError("exec: --env %s: empty version after @", name)
		}
	}
	if spec == "" {
		return binding{}, usageError("exec: --env %s: empty PATH", name)
	}
	ref.Path = spec
	return binding{name: name, ref: ref}, nil
}

func runExec(ctx context.Context, args []string) error {
	i := slices.Index(args, "--")
	if i < 0 {
		return usageError("exec: want -- PROGRAM [ARG]... after the flags")
	}
	argv := args[i+1:]
	if len(argv) == 0 || argv[0] == "" {
		return usageError("exec: no PROGRAM after --")
	}
	fs := newFlags("exec")
	// The values are checked after parsing: the flag package would quote
	// a bad one in its error, and NAME=PATH may hold a value pasted by
	// mistake.
	var envFlags, prefixFlags []string
	fs.Func("env", "set variable NAME to the secret at PATH (repeatable)", func(s string) error {
		envFlags = append(envFlags, s)
		return nil
	})
	fs.Func("prefix", "set a variable for every secret under PREFIX (repeatable)", func(s string) error {
		prefixFlags = append(prefixFlags, s)
		return nil
	})
	max := fs.Int("max", defaultMax, "refuse more than `N` secrets under one prefix")
	pos, err := parseArgs(fs, args[:i])
	if err != nil {
		return err
	}
	bindings := make([]binding, 0, len(envFlags))
	for _, s := range envFlags {
		b, err := parseBinding(s)
		if err != nil {
			return err
		}
		bindings = append(bindings, b)
	}
	prefixes := make([]string, 0, len(prefixFlags))
	for _, s := range prefixFlags {
		if s == "" { // an unset variable, not the root: that is "/"
			return usageError("exec: empty --prefix (the root is /)")
		}
		prefixes = append(prefixes, dirPrefix(s))
	}
	if len(pos) != 1 {
		return usageError("exec: want one URL before --, got %d arguments", len(pos))
	}
	if *max < 1 {
		return usageError("exec: --max must be at least 1")
	}
	if len(bindings) == 0 && len(prefixes) == 0 {
		return usageError("exec: want at least one --env NAME=PATH or --prefix PREFIX")
	}
	seen := map[string]bool{}
	for _, b := range bindings {
		if seen[b.name] {
			return usageError("exec: --env %s given twice", b.name)
		}
		seen[b.name] = true
	}
	program, err := exec.LookPath(argv[0])
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, iofs.ErrNotExist) {
			return &exitError{code: 127, msg: fmt.Sprintf("exec: program %q not found", argv[0])}
		}
		// found, but a directory, a file without execute permission, or
		// found through a relative PATH entry (exec.ErrDot)
		reason := err
		var ee *exec.Error
		if errors.As(err, &ee) {
			reason = ee.Err
		}
		return &exitError{code: 126, msg: fmt.Sprintf("exec: cannot run %q: %v", argv[0], reason)}
	}

	b, closer, err := open.Backend(ctx, pos[0])
	if err != nil {
		return err
	}
	vars, err := secretVars(ctx, b, bindings, prefixes, *max)
	closer.Close() // nothing is read any more: release it before the program runs
	if err != nil {
		return err
	}
	return start(ctx, program, argv, mergeEnv(os.Environ(), vars))
}

// start hands over to the program. The signals main turns into ctx's
// cancellation get their default action back first, so that one arriving
// from now on ends vaultly as it would end the program; one that arrived
// while exec read the secrets or closed the backend stops vaultly here
// instead of being swallowed while the program starts.
func start(ctx context.Context, program string, argv, environ []string) error {
	signal.Reset(os.Interrupt, syscall.SIGTERM)
	if err := ctx.Err(); err != nil {
		return err
	}
	return replace(program, argv, environ)
}

// secretVars reads the variables exec sets: each binding, and every secret
// under each prefix, named as the env backend names paths (the rest of the
// path, "/" and every other character that is not a letter or digit
// replaced by "_", upper-cased). Two secrets that would set one variable
// are a configuration error naming both paths.
func secretVars(ctx context.Context, b vaultly.Backend, bindings []binding, prefixes []string, max int) (map[string]string, error) {
	vars := map[string]string{}
	from := map[string]string{} // variable -> the path that set it, for errors
	set := func(name, path, value string) error {
		if prev, dup := from[name]; dup {
			return &vaultly.BackendError{Backend: "exec", Kind: vaultly.ErrConfig,
				Msg: fmt.Sprintf("variable %s would be set from both %s and %s", name, prev, path)}
		}
		if strings.ContainsRune(value, 0) {
			return &vaultly.BackendError{Backend: "exec", Kind: vaultly.ErrConfig, Ref: vaultly.Ref{Path: path},
				Msg: fmt.Sprintf("the value holds a NUL byte, which variable %s cannot hold", name)}
		}
		from[name], vars[name] = path, value
		return nil
	}

	refs := make([]vaultly.Ref, 0, len(bindings))
	for _, bd := range bindings {
		refs = append(refs, bd.ref)
	}
	var errs []error
	if len(refs) > 0 {
		values, err := read(ctx, b, refs)
		if err != nil {
			return nil, err
		}
		for _, bd := range bindings {
			errs = append(errs, set(bd.name, bd.ref.String(), values[bd.ref]))
		}
	}
	for _, prefix := range prefixes {
		m, err := listAll(ctx, b, prefix, max)
		if err != nil {
			return nil, err
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			name := env.Key("", k)
			if !envName.MatchString(name) {
				errs = append(errs, &vaultly.BackendError{Backend: backendkit.Name(b), Kind: vaultly.ErrConfig,
					Ref: vaultly.Ref{Path: prefix + k}, Msg: "no variable name can be made of this path"})
				continue
			}
			if reserved(name) {
				errs = append(errs, &vaultly.BackendError{Backend: backendkit.Name(b), Kind: vaultly.ErrConfig,
					Ref: vaultly.Ref{Path: prefix + k}, Msg: fmt.Sprintf("--prefix may not set %s (name it with --env to set it)", name)})
				continue
			}
			errs = append(errs, set(name, prefix+k, m[k]))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return vars, nil
}

// mergeEnv returns environ with vars set, replacing any variable of the
// same name.
func mergeEnv(environ []string, vars map[string]string) []string {
	out := make([]string, 0, len(environ)+len(vars))
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if _, ok := vars[name]; !ok {
			out = append(out, kv)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		out = append(out, name+"="+vars[name])
	}
	return out
}

// reserved reports whether --prefix must not set the variable name: names
// that choose what code the program runs (the dynamic loader's LD_ and
// DYLD_ variables, PATH, the shells' start-up files) or how interpreters
// start. Whoever can write a secret under a prefix must not gain that; a
// caller who means it names the variable with --env.
func reserved(name string) bool {
	if strings.HasPrefix(name, "LD_") || strings.HasPrefix(name, "DYLD_") {
		return true
	}
	switch name {
	case "PATH", "IFS", "ENV", "BASH_ENV", "SHELLOPTS", "BASHOPTS", "PS4", "GCONV_PATH",
		"NODE_OPTIONS", "PYTHONPATH", "PYTHONSTARTUP", "PERL5OPT", "PERL5LIB", "RUBYOPT", "RUBYLIB",
		"JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "GODEBUG":
		return true
	}
	return false
}
