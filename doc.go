// Package vaultly loads secrets into typed Go config structs.
//
// A service declares a struct and tags the fields that come from a secret
// store with a path template:
//
//	type Config struct {
//		Stage    string // fills <stage>
//		Password vaultly.Secret[string] `secret:"/db/<stage>/password,ttl=5m,stale_on_error"`
//		PoolSize int                    `secret:"/db/<stage>/pool_size"`
//	}
//
// [Load] renders every template from the struct's own scalar fields (and
// [WithVars]), fetches every plain field through a [Backend] in as few round
// trips as the backend allows, converts the text to the field's type and
// fills the struct, or leaves it untouched and returns every failure at once.
// [Secret] fields are fetched and checked by Load too (unless
// [WithPrefetch](false) keeps them lazy); then each Get reads through a TTL
// cache that is shared by everything one [Loader] loaded, refreshes when the
// TTL runs out and can serve the last good value while the backend is down.
// A warm Get is two atomic loads and one monotonic clock read. A TTL is a
// maximum age: a value older than its TTL is served only as a stale value,
// by a field that allows it.
//
// Errors match one of [ErrNotFound], [ErrAuth], [ErrTransient] or
// [ErrConfig] with errors.Is ([KindOf] turns them into a metric label). No
// error, log line or formatted value produced by this package contains a
// secret value: a Secret prints as *** under every fmt verb, in JSON and in
// log/slog, and [Redact] masks every secret field of a struct.
//
// # The secret tag
//
//	secret:"PATH[,OPTION]..."
//
// PATH is a path template: the text before the first comma, so a path
// cannot contain a comma. It may not be empty or begin or end with a space,
// and it does not have to begin with '/': the backend receives it as
// rendered. Zero or more options follow, separated by commas:
//
//   - ttl=D: how long a fetched value is fresh. D is a [time.ParseDuration]
//     string (30s, 5m, 1h30m), not negative. ttl=0 means never cached: every
//     Get asks the backend (concurrent Gets share one call). Without ttl a
//     field gets the Loader's default, forever unless [WithDefaultTTL] says
//     otherwise. It matters for Secret fields, which read through the cache;
//     a plain field is fetched at every Load.
//   - stale_on_error: when a refresh fails transiently (ErrTransient, or an
//     error that matches no kind), Get serves the last good value and logs a
//     warning; not found and denied drop the value instead. Secret fields
//     only: on a plain field it is an error. [WithStaleOnError] turns it on
//     for every Secret field.
//   - stale_on_error=D: the same, but only while the value is at most D past
//     its expiry. D must be positive.
//   - version=V: read a pinned version, SSM's name:V (a version number or a
//     label) or Vault KV v2's version V. V may not be empty or contain a
//     space, a tab or '/'. The env and file backends ignore it.
//   - optional: a secret that is not found (ErrNotFound, and nothing else)
//     leaves the field as it was before Load, so a default set in code
//     survives; on a Secret, Get returns the zero value and a nil error.
//   - encoding=E: decode the text before converting it to the field's type.
//     E is base64 (standard alphabet, padded), base64url (URL-safe alphabet,
//     padding optional) or hex (either case). Spaces around the text are
//     ignored, and so are line breaks inside base64 text. It applies to
//     every type: encoding=base64 on a map decodes base64 to JSON text, then
//     the JSON to the map.
//   - default=V: when the secret is not found (ErrNotFound, and nothing
//     else), Load decodes V as if the backend had returned it (encoding
//     included) and fills the field with it. V is checked at every Load,
//     before anything is fetched: one that does not fit the field's type is
//     an ErrConfig error naming the field. Plain fields only (a Secret's
//     value belongs in the store, not in the source), and not with
//     optional. V runs to the next comma, spaces around it ignored; to hold
//     a comma or keep spaces, put it in single quotes, where a quote is
//     written twice (see the examples below).
//   - public: the value is configuration, not a secret (a pool size, a
//     timeout): [Redact] shows it. Errors never show it, public or not. On
//     a Secret it changes nothing: Redact keeps a Secret masked.
//   - key=NAME: the secret is a JSON object; take its member NAME (a
//     string member as its text, any other as its JSON text), on every
//     backend. Fields naming one path and version with different keys cost
//     one fetch at Load: a backend that takes members itself (Vault; see
//     backendkit.KeyBackend) gets every keyed Ref in one GetBatch, any
//     other is asked for the document once and the core takes the members.
//     A missing member is ErrNotFound naming the key and the path (optional
//     and default apply); a secret that is not a JSON object is a decode
//     error. Each keyed Secret is its own cache entry, refreshed apart from
//     the other keys: decode the whole object into a Secret of a struct
//     when its members must come from one version. Not with prefix or
//     lease.
//   - prefix: on a map[string]T field (any string key type) or a
//     Secret[map[string]T], every secret under the path (which gains a
//     trailing '/'), keyed by the rest of each path with '/' between nested
//     names, each value decoded to T. The backend must list folders
//     (backendkit.PrefixBackend), or Load fails with ErrConfig naming the
//     field and the backend. Nothing under the path is ErrNotFound; with
//     optional, an empty map. A value that does not decode is an error
//     naming its map key. Not with version, key, lease or default.
//   - max=N: with prefix, more than N secrets under the path (a mistyped
//     prefix) is an ErrConfig error naming the bound. N is a positive
//     whole number; without max the bound is 10,000.
//   - lease: read the value with its lease (backendkit.LeaseBackend: Vault's
//     dynamic credentials); a Secret's cached value expires at two thirds
//     of the lease, or at its ttl if that comes first. The whole answer
//     decodes into T, so a struct's parts come from one lease. A backend
//     without leases is an ErrConfig error at Load naming the field and the
//     backend. Not with version or key.
//
// Defaults, with and without quotes:
//
//	PoolSize int           `secret:"/db/pool_size,default=10,public"`
//	Hosts    []string      `secret:"/db/hosts,default='a.example, b.example'"`
//	Greeting string        `secret:"/greeting,default='it''s ok'"` // it's ok
//	Empty    string        `secret:"/x,default=''"`                // the empty text
//	Timeout  time.Duration `secret:"/timeout,default=1m30s"`
//
// Option names are case-sensitive and each may appear once; spaces around
// an option are ignored. An option that takes no value refuses one
// (optional=true), and one that needs a value refuses to go without (ttl,
// ttl=, version=, default=). An empty tag, an empty option (/a,,ttl=1m), a trailing
// comma and an unknown option are errors. Every mistake in a tag is an
// error from Load that matches ErrConfig, names the field
// (Config.DB.Password) and quotes the offending text, and nothing is
// fetched while any tag is wrong:
//
//	vaultly: Config.A: configuration error: tag "/a,tll=5m": unknown option "tll"
//
// # Path templates and variables
//
// In PATH, <name> is a placeholder for the template variable name, "<<" is
// a literal '<', a '>' outside a placeholder is a literal '>', and anything
// else is literal text. A name is a Go identifier: a Unicode letter or '_',
// then letters, digits or '_'. Placeholders may appear anywhere, several
// times, and in the middle of a segment: /db-<stage>/<region>-<stage>/password.
// An empty placeholder (<>), a name that is not an identifier (<0>, <a.b>,
// <a-b>) and an unclosed '<' are errors.
//
// A variable's value comes from [WithVars] first, then from an exported
// field of the root struct (the one passed to Load, with the fields that a
// struct embedded by value promotes to it) that has no secret tag, is not a
// Secret, and is of a string, bool, integer, unsigned integer or float kind
// or implements encoding.TextMarshaler or fmt.Stringer. Names match
// case-insensitively: <stage> reads the field Stage or the WithVars key
// "stage". A field becomes text through MarshalText, else String, else its
// decimal form ("true", "7", "0.5"). Fields of nested structs are never
// variables: every template resolves against the root. Values are read
// once, at Load; changing the field later moves no Secret.
//
// A variable with no source, two root fields that match one name (unless
// WithVars supplies it), and a value that is empty, contains '/' or ':', or
// is "." or ".." are errors: a variable fills part of a path and can never
// walk the secret tree. Variable values are names, not secrets, and appear
// in error messages: never put a secret in one.
//
// Tagged fields must be exported. Untagged struct fields and pointers to
// structs are walked to any depth (a nil pointer is allocated; a non-nil one
// is replaced by a filled copy, never written through). A Secret must be
// used by value and with a tag. Slices, arrays and maps are not walked: one
// whose elements hold tagged fields or Secrets is an error, and so is a
// tagged field whose own type holds them.
//
// # Field types
//
// A backend returns text. Load converts it to the field's type, or to T for
// a Secret[T]: a plain field during Load, a Secret when its value is fetched.
// The first rule that matches the type wins:
//
//   - a type registered with [WithDecoder]: your function. The type must
//     match exactly, or be what a pointer field points to.
//   - time.Duration: [time.ParseDuration] (250ms, 1m30s); spaces around the
//     text are ignored.
//   - []byte: the text, byte for byte.
//   - []string: JSON when the text, trimmed of spaces, begins with '['
//     (["a","b,c"]); otherwise SSM's StringList form, split on commas with
//     each item trimmed of spaces (a, b ,c); empty text is a nil slice.
//   - a type T whose pointer implements encoding.TextUnmarshaler (time.Time,
//     netip.Addr, slog.Level, ...): UnmarshalText of the text as it is,
//     spaces included.
//   - a type T whose pointer implements json.Unmarshaler (json.RawMessage):
//     json.Unmarshal.
//   - string kinds: the text as it is, not trimmed.
//   - bool kinds: true, 1, yes, on or false, 0, no, off, in any case; spaces
//     around the text are ignored.
//   - int kinds (int, int8, int16, int32, int64): base 10 with an optional
//     sign, spaces around ignored, range-checked for the size. 0x10, 1_000
//     and 1e3 are errors, and so is 300 for an int8.
//   - uint kinds (uint, uint8, uint16, uint32, uint64, uintptr): base 10,
//     spaces around ignored, range-checked for the size.
//   - float32 and float64 kinds: [strconv.ParseFloat], spaces around ignored,
//     range-checked for the size (1e39 is an error for a float32).
//   - maps, slices, arrays and structs: JSON through encoding/json, so json
//     tags apply ({"new_checkout": true}, [1,2]).
//   - the empty interface: JSON, into map[string]any, []any, float64,
//     string, bool or nil.
//   - a pointer *T to any of the above: as for T, into a newly allocated T.
//
// The time.Duration, []byte and []string rules are for those exact types: a
// named type over one of them follows its kind (type Timeout time.Duration
// reads an integer number of nanoseconds, type Hosts []string reads JSON).
// Give such a type an UnmarshalText method or register a WithDecoder to
// read the other form.
//
// Channels, functions, complex numbers, unsafe pointers and interfaces
// with methods are not supported, nor are maps, slices, arrays or structs
// that hold a channel, function, complex number or unsafe pointer: such a
// field is an ErrConfig error from Load before anything is fetched, unless
// a WithDecoder covers its exact type.
//
// Text that does not fit the type is an error that matches ErrConfig and
// never contains the text: it says what was expected ("decode: invalid
// number for int", "decode: invalid JSON for map[string]bool at byte 17",
// "decode: invalid base64 text (12 bytes)"). The error of an UnmarshalText
// method or a WithDecoder function, which may quote the text, is kept as
// the cause, reachable with errors.As, but never printed. optional forgives
// only a missing secret, never text that does not parse.
//
// # Backends
//
// Backends live in sub-packages: backends/env, backends/file,
// backends/mock, backends/ssm, backends/vault, and the wrappers
// backends/retry and backends/chain. To write one, see the [Backend] and
// [BatchBackend] contracts, the helpers in package backendkit, and the
// conformance suite in backends/backendtest.
//
// # Documentation
//
// The guides in the repository's docs directory go further:
// [the tag reference], [types], [errors], [caching], [security],
// [choosing a backend] and [writing a backend].
//
// [the tag reference]: https://github.com/vaultly/vaultly/blob/main/docs/tags.md
// [types]: https://github.com/vaultly/vaultly/blob/main/docs/types.md
// [errors]: https://github.com/vaultly/vaultly/blob/main/docs/errors.md
// [caching]: https://github.com/vaultly/vaultly/blob/main/docs/caching.md
// [security]: https://github.com/vaultly/vaultly/blob/main/docs/security.md
// [choosing a backend]: https://github.com/vaultly/vaultly/blob/main/docs/choosing-a-backend.md
// [writing a backend]: https://github.com/vaultly/vaultly/blob/main/docs/writing-a-backend.md
package vaultly
