// Package integration runs the vault backend's end-to-end scenarios against
// a real, in-process HashiCorp Vault core. It is a separate module so that
// the library's own go.mod does not depend on Vault's server code.
package integration
