package vault

import (
	"fmt"
	"io"
	"strconv"
)

// What fmt prints of the values that hold a credential or the token: a
// description, the same for every verb (%v, %+v, %#v, %s, %q), that never
// shows a secret id, an AWS key or a token. Without these, printing a
// SecretID, a login method or a Backend that has logged in (in a debug
// line, say) showed them: fmt prints unexported fields too.

// Format prints where the secret id comes from, never a given id:
// SecretIDFromString(redacted), SecretIDFromFile("/path"),
// SecretIDFromEnv("NAME").
func (s SecretID) Format(f fmt.State, _ rune) {
	_, _ = io.WriteString(f, s.describe())
}

func (s SecretID) describe() string {
	switch s.from {
	case "string":
		return "SecretIDFromString(redacted)"
	case "file":
		return "SecretIDFromFile(" + strconv.Quote(s.value) + ")"
	case "env":
		return "SecretIDFromEnv(" + strconv.Quote(s.value) + ")"
	}
	return "SecretID(none)"
}

// Format prints the mount and the secret id's source (not the role id,
// which AppRole treats as half a credential).
func (a *appRole) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "vault.AppRole(mount %q, %s, wrapped %t)", a.mount, a.secretID.describe(), a.wrapped)
}

// Format prints the role, mount and region, not the credentials.
func (a *awsLogin) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "vault.AWSIAM(role %q, mount %q, region %q)", a.role, a.mount, a.region)
}

// Format prints the backend's name ("vault" or "vault(<mount>)"), never
// the client or the token.
func (b *Backend) Format(f fmt.State, _ rune) {
	_, _ = io.WriteString(f, b.Name())
}
