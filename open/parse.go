package open

import (
	"fmt"
	"math"
	"net"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vaultly/vaultly"
)

// Default is the URL an empty string stands for: the environment, with no
// prefix, which suits a laptop and needs no setup.
const Default = "env://"

// spec is what one URL of a (comma-separated) list says: the scheme and
// every setting its parameters gave. It is comparable, so that tests can
// check what a URL means without building anything. Zero values mean
// "not set": the backend's own default applies.
type spec struct {
	Scheme string

	Prefix string // env

	Dir     string // file
	MaxSize int64

	Region           string // ssm, secretsmanager
	Profile          string
	Decrypt          *bool // ssm
	BatchConcurrency int

	Address     string // vault: "https://host:port", or "" for VAULT_ADDR
	PlainHTTP   bool   // tls=false: "http://host:port", on loopback only
	Mount       string
	Namespace   string
	DefaultKey  string
	Concurrency int
	KVVersion   int
	Auth        authSpec

	RateLimit float64 // ssm, secretsmanager, vault
	Burst     int

	Retry         time.Duration // every scheme: wrap in backends/retry
	RetryAttempts int
}

// authSpec is a Vault login: the method and its settings.
type authSpec struct {
	Method       string // "" (VAULT_TOKEN), token_file, approle, kubernetes, aws
	Mount        string
	TokenFile    string
	RoleID       string
	SecretIDFile string
	SecretIDEnv  string
	Wrapped      bool
	Role         string
	JWTFile      string
	ServerID     string
	Region       string
}

// schemes lists the schemes in the order errors name them.
var schemes = []string{"env", "file", "mock", "ssm", "secretsmanager", "vault"}

// param sets one parameter of a spec from its text. Its error message
// never holds the text.
type param func(s *spec, v string) error

var common = map[string]param{
	"retry":          durationParam(func(s *spec) *time.Duration { return &s.Retry }),
	"retry_attempts": intParam(1, func(s *spec) *int { return &s.RetryAttempts }),
}

var rateParams = map[string]param{
	"rate": func(s *spec, v string) error {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || !(r > 0) || math.IsInf(r, 0) {
			return fmt.Errorf("want a positive number of requests a second")
		}
		s.RateLimit = r
		return nil
	},
	"burst": intParam(1, func(s *spec) *int { return &s.Burst }),
}

var awsParams = map[string]param{
	"region":            stringParam(func(s *spec) *string { return &s.Region }),
	"profile":           stringParam(func(s *spec) *string { return &s.Profile }),
	"batch_concurrency": intParam(1, func(s *spec) *int { return &s.BatchConcurrency }),
}

// params lists the parameters of each scheme, besides common ones.
var params = map[string]map[string]param{
	"env": {},
	"file": {
		"max_size": func(s *spec, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 {
				return fmt.Errorf("want a size in bytes of at least 1")
			}
			s.MaxSize = n
			return nil
		},
	},
	"mock": {},
	"ssm": merge(awsParams, rateParams, map[string]param{
		"decrypt": func(s *spec, v string) error {
			b, err := parseBool(v)
			if err != nil {
				return err
			}
			s.Decrypt = &b
			return nil
		},
	}),
	"secretsmanager": merge(awsParams, rateParams),
	"vault": merge(rateParams, map[string]param{
		"namespace":   stringParam(func(s *spec) *string { return &s.Namespace }),
		"default_key": stringParam(func(s *spec) *string { return &s.DefaultKey }),
		"concurrency": intParam(1, func(s *spec) *int { return &s.Concurrency }),
		"tls": func(s *spec, v string) error { // applied by vaultLocation
			b, err := parseBool(v)
			s.PlainHTTP = !b
			return err
		},
		"auth": func(s *spec, v string) error {
			switch v {
			case "token":
			case "token_file", "approle", "kubernetes", "aws":
				s.Auth.Method = v
			default:
				return fmt.Errorf("want token, token_file, approle, kubernetes or aws")
			}
			return nil
		},
		"auth_mount":     stringParam(func(s *spec) *string { return &s.Auth.Mount }),
		"token_file":     stringParam(func(s *spec) *string { return &s.Auth.TokenFile }),
		"role_id":        stringParam(func(s *spec) *string { return &s.Auth.RoleID }),
		"secret_id_file": stringParam(func(s *spec) *string { return &s.Auth.SecretIDFile }),
		"secret_id_env":  stringParam(func(s *spec) *string { return &s.Auth.SecretIDEnv }),
		"wrapped": func(s *spec, v string) error {
			b, err := parseBool(v)
			s.Auth.Wrapped = b
			return err
		},
		"role":      stringParam(func(s *spec) *string { return &s.Auth.Role }),
		"jwt_file":  stringParam(func(s *spec) *string { return &s.Auth.JWTFile }),
		"server_id": stringParam(func(s *spec) *string { return &s.Auth.ServerID }),
		"region":    stringParam(func(s *spec) *string { return &s.Auth.Region }),
		"kv": func(s *spec, v string) error {
			switch v {
			case "1":
				s.KVVersion = 1
			case "2":
				s.KVVersion = 2
			default:
				return fmt.Errorf("want 1 or 2")
			}
			return nil
		},
	}),
}

// authParams says which login method each login parameter belongs to
// ("" = any login method).
var authParams = map[string][]string{
	"auth_mount":     {"approle", "kubernetes", "aws"},
	"token_file":     {"token_file"},
	"role_id":        {"approle"},
	"secret_id_file": {"approle"},
	"secret_id_env":  {"approle"},
	"wrapped":        {"approle"},
	"role":           {"kubernetes", "aws"},
	"jwt_file":       {"kubernetes"},
	"server_id":      {"aws"},
	"region":         {"aws"},
}

// secretParams are parameter names that would carry a secret, refused with
// a hint of where that secret goes instead.
var secretParams = map[string]string{
	"token":                 "set VAULT_TOKEN, or auth=token_file&token_file=PATH",
	"client_token":          "set VAULT_TOKEN, or auth=token_file&token_file=PATH",
	"vault_token":           "set VAULT_TOKEN, or auth=token_file&token_file=PATH",
	"secret_id":             "use secret_id_file=PATH or secret_id_env=NAME",
	"jwt":                   "use jwt_file=PATH",
	"password":              "a URL never carries credentials",
	"passwd":                "a URL never carries credentials",
	"secret":                "a URL never carries credentials",
	"api_key":               "a URL never carries credentials",
	"access_key":            "use the AWS credential chain (AWS_PROFILE, an instance or pod role)",
	"access_key_id":         "use the AWS credential chain (AWS_PROFILE, an instance or pod role)",
	"secret_key":            "use the AWS credential chain (AWS_PROFILE, an instance or pod role)",
	"secret_access_key":     "use the AWS credential chain (AWS_PROFILE, an instance or pod role)",
	"aws_access_key_id":     "use the AWS credential chain (AWS_PROFILE, an instance or pod role)",
	"aws_secret_access_key": "use the AWS credential chain (AWS_PROFILE, an instance or pod role)",
	"session_token":         "use the AWS credential chain (AWS_PROFILE, an instance or pod role)",
	"aws_session_token":     "use the AWS credential chain (AWS_PROFILE, an instance or pod role)",
	"endpoint":              "set AWS_ENDPOINT_URL_SSM (or _SECRETS_MANAGER), or VAULT_ADDR",
}

// parse splits raw into the URLs of a chain and parses each.
func parse(raw string) ([]spec, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		raw = Default
	}
	parts := strings.Split(raw, ",")
	specs := make([]spec, 0, len(parts))
	for i, p := range parts {
		s, err := parseOne(strings.TrimSpace(p))
		if err != nil {
			if len(parts) > 1 {
				return nil, configError("chain member %d of %d: %s", i+1, len(parts), err)
			}
			return nil, configError("%s", err)
		}
		specs = append(specs, s)
	}
	return specs, nil
}

// parseOne parses one URL. Its errors name the part at fault and never
// quote the URL, which may hold a secret by mistake.
func parseOne(raw string) (spec, error) {
	if raw == "" {
		return spec{}, fmt.Errorf("empty URL")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return spec{}, fmt.Errorf("malformed URL (not shown: it may hold a secret)")
	}
	if u.Scheme == "" {
		return spec{}, fmt.Errorf("no scheme: want one of %s (the URL is not shown: it may hold a secret)", schemeList())
	}
	s := spec{Scheme: u.Scheme}
	known, ok := params[u.Scheme]
	if !ok {
		// url.Parse lower-cases the scheme: judge the text as written.
		return spec{}, fmt.Errorf("unknown scheme %s: want one of %s", shown(raw[:len(u.Scheme)]), schemeList())
	}
	what := u.Scheme + " URL"
	if u.User != nil {
		return spec{}, fmt.Errorf("%s: user info (user@ or user:password@) is not allowed: a URL never carries credentials", what)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return spec{}, fmt.Errorf("%s: a fragment (#...) is not allowed", what)
	}
	query, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return spec{}, fmt.Errorf("%s: malformed query (not shown: it may hold a secret)", what)
	}
	names := make([]string, 0, len(query))
	for name := range query {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names { // first, whatever else is wrong
		if hint, ok := secretParams[strings.ToLower(name)]; ok {
			return spec{}, fmt.Errorf("%s: parameter %s would put a secret in the URL: %s", what, shown(name), hint)
		}
	}
	for _, name := range names {
		set, ok := known[name]
		if !ok {
			set, ok = common[name]
		}
		if !ok {
			return spec{}, fmt.Errorf("%s: unknown parameter %s%s", what, shown(name), paramList(u.Scheme))
		}
		vals := query[name]
		if len(vals) > 1 {
			return spec{}, fmt.Errorf("%s: parameter %s given %d times", what, shown(name), len(vals))
		}
		if vals[0] == "" {
			return spec{}, fmt.Errorf("%s: parameter %s: empty value", what, shown(name))
		}
		if err := set(&s, vals[0]); err != nil {
			return spec{}, fmt.Errorf("%s: parameter %s: %s", what, shown(name), err)
		}
	}
	if s.Burst > 0 && s.RateLimit == 0 {
		return spec{}, fmt.Errorf("%s: parameter \"burst\" needs rate", what)
	}
	if s.RateLimit > 0 && s.Burst == 0 {
		s.Burst = max(1, int(math.Ceil(s.RateLimit)))
	}
	var locErr error
	switch s.Scheme {
	case "env":
		locErr = envLocation(u, &s)
	case "file":
		locErr = fileLocation(u, &s)
	case "mock", "ssm", "secretsmanager":
		if u.Opaque != "" || u.Host != "" || (u.Path != "" && u.Path != "/") {
			locErr = fmt.Errorf("takes no host or path: write %s://?parameter=value", s.Scheme)
		}
	case "vault":
		locErr = vaultLocation(u, &s)
		if locErr == nil {
			locErr = checkAuth(names, s.Auth)
		}
	}
	if locErr != nil {
		return spec{}, fmt.Errorf("%s: %s", what, locErr)
	}
	return s, nil
}

func envLocation(u *url.URL, s *spec) error {
	if u.Opaque != "" {
		return fmt.Errorf("write env://PREFIX (with two slashes)")
	}
	if u.Port() != "" || strings.Contains(u.Host, ":") {
		return fmt.Errorf("the prefix cannot hold ':'")
	}
	if u.Path != "" && u.Path != "/" {
		return fmt.Errorf("takes no path: the prefix is the host part, env://PREFIX")
	}
	s.Prefix = u.Host
	return nil
}

func fileLocation(u *url.URL, s *spec) error {
	switch {
	case u.Opaque != "":
		dir, err := url.PathUnescape(u.Opaque)
		if err != nil {
			return fmt.Errorf("malformed directory")
		}
		s.Dir = dir
	case u.Host != "" && u.Host != "localhost":
		return fmt.Errorf("has a host: write file:///absolute/dir (three slashes) or file:relative/dir")
	case u.Path == "":
		return fmt.Errorf("no directory: write file:///absolute/dir or file:relative/dir")
	default:
		s.Dir = u.Path
		if runtime.GOOS == "windows" && len(s.Dir) >= 3 && s.Dir[0] == '/' && s.Dir[2] == ':' {
			s.Dir = s.Dir[1:] // file:///C:/secrets is C:/secrets
		}
	}
	if strings.IndexByte(s.Dir, 0) >= 0 {
		return fmt.Errorf("the directory holds a NUL byte")
	}
	return nil
}

func vaultLocation(u *url.URL, s *spec) error {
	if u.Opaque != "" {
		return fmt.Errorf("write vault://HOST:PORT/MOUNT (with two slashes)")
	}
	s.Mount = strings.Trim(u.Path, "/")
	if u.Host == "" {
		if s.PlainHTTP {
			return fmt.Errorf("parameter \"tls\" needs a host: VAULT_ADDR carries its own scheme")
		}
		return nil // the address comes from VAULT_ADDR
	}
	if port := u.Port(); port != "" || strings.HasSuffix(u.Host, ":") {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("port: want 1 to 65535")
		}
	}
	scheme := "https"
	if s.PlainHTTP {
		if !loopback(u.Hostname()) {
			return fmt.Errorf("parameter \"tls\": plain http is allowed on a loopback host only (localhost, 127.0.0.1, ::1)")
		}
		scheme = "http"
	}
	s.Address = scheme + "://" + u.Host
	return nil
}

func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkAuth checks that every login parameter belongs to the login method
// and that the method has what it needs.
func checkAuth(names []string, a authSpec) error {
	for _, name := range names {
		methods, ok := authParams[name]
		if !ok || slices.Contains(methods, a.Method) {
			continue
		}
		return fmt.Errorf("parameter %s needs auth=%s", name, strings.Join(methods, " or auth="))
	}
	switch a.Method {
	case "token_file":
		if a.TokenFile == "" {
			return fmt.Errorf("auth=token_file needs token_file=PATH")
		}
	case "approle":
		if a.RoleID == "" {
			return fmt.Errorf("auth=approle needs role_id")
		}
		if (a.SecretIDFile == "") == (a.SecretIDEnv == "") {
			return fmt.Errorf("auth=approle needs one of secret_id_file=PATH or secret_id_env=NAME")
		}
	case "kubernetes", "aws":
		if a.Role == "" {
			return fmt.Errorf("auth=%s needs role", a.Method)
		}
	}
	return nil
}

func stringParam(field func(*spec) *string) param {
	return func(s *spec, v string) error {
		*field(s) = v
		return nil
	}
}

func intParam(min int, field func(*spec) *int) param {
	return func(s *spec, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < min {
			return fmt.Errorf("want a whole number of at least %d", min)
		}
		*field(s) = n
		return nil
	}
}

func durationParam(field func(*spec) *time.Duration) param {
	return func(s *spec, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("want a positive duration such as 10s")
		}
		*field(s) = d
		return nil
	}
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("want true or false")
}

func merge(maps ...map[string]param) map[string]param {
	m := map[string]param{}
	for _, mm := range maps {
		for k, v := range mm {
			m[k] = v
		}
	}
	return m
}

func schemeList() string {
	return strings.Join(schemes, "://, ") + "://"
}

func paramList(scheme string) string {
	var names []string
	for name := range params[scheme] {
		names = append(names, name)
	}
	for name := range common {
		names = append(names, name)
	}
	slices.Sort(names)
	return " (" + scheme + " takes " + strings.Join(names, ", ") + ")"
}

// plainName is what a parameter or scheme name must look like to be quoted
// in an error: a secret pasted in its place (a token, an AWS key) has
// upper-case letters, dots or more characters, and is not shown.
var plainName = regexp.MustCompile(`^[a-z][a-z0-9_+-]{0,23}$`)

func shown(name string) string {
	if plainName.MatchString(name) {
		return strconv.Quote(name)
	}
	return "(name not shown: it may be a secret)"
}

func configError(format string, args ...any) error {
	return &vaultly.BackendError{Backend: "open", Kind: vaultly.ErrConfig, Msg: fmt.Sprintf(format, args...)}
}
