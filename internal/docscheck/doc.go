// Package docscheck holds the test that type-checks every Go code block of
// README.md and docs/*.md (see docscheck_test.go for the conventions a block
// follows). It has no API.
package docscheck
