package awsbackendtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strings"
	"testing"
)

// RunDocsMirrored checks that every Go block of the docs page (docs/NAME.md,
// read from the backend's folder as ../../docs/NAME.md) is mirrored in
// the backend's example_test.go, so that it compiles and (for a test or
// an Example with output) runs: each of the block's paragraphs appears
// there, line by line (indentation aside), and the text right after the
// block names the function that holds its last paragraph:
// "(This is `ExampleNew` in backends/NAME/example_test.go.)". At least
// three blocks are expected.
func RunDocsMirrored(t *testing.T, name string) {
	doc := "docs/" + name + ".md"
	page, err := os.ReadFile("../../" + doc)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "example_test.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	funcs := map[string][]string{} // name: its trimmed lines
	for _, d := range file.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok {
			body := src[fset.Position(fd.Pos()).Offset:fset.Position(fd.End()).Offset]
			funcs[fd.Name.Name] = trimmedLines(string(body))
		}
	}
	all := trimmedLines(string(src))

	blocks := goBlocks(string(page))
	if len(blocks) < 3 {
		t.Fatalf("%d Go blocks in %s, want at least 3", len(blocks), doc)
	}
	example := "backends/" + name + "/example_test.go"
	names := regexp.MustCompile("^\\(This is `(\\w+)` in " + regexp.QuoteMeta(example) + "\\.\\)")
	for _, b := range blocks {
		m := names.FindStringSubmatch(b.after)
		if m == nil {
			t.Errorf("%s:%d: the block is not followed by \"(This is `Name` in %s.)\"", doc, b.line, example)
			continue
		}
		fn, ok := funcs[m[1]]
		if !ok {
			t.Errorf("%s:%d: example_test.go has no func %s", doc, b.line, m[1])
			continue
		}
		paras := paragraphs(b.lines)
		for i, p := range paras {
			in := all
			if i == len(paras)-1 {
				in = fn
			}
			if !containsRun(in, p) {
				t.Errorf("%s:%d: this part of the block is not in %s:\n%s", doc, b.line, m[1], strings.Join(p, "\n"))
			}
		}
	}
}

type docBlock struct {
	line  int      // of the opening fence
	lines []string // trimmed
	after string   // the first non-empty line after the closing fence
}

func goBlocks(page string) []docBlock {
	var out []docBlock
	lines := strings.Split(page, "\n")
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```go" {
			continue
		}
		b := docBlock{line: i + 1}
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			b.lines = append(b.lines, strings.TrimSpace(lines[i]))
		}
		for j := i + 1; j < len(lines); j++ {
			if s := strings.TrimSpace(lines[j]); s != "" {
				b.after = s
				break
			}
		}
		out = append(out, b)
	}
	return out
}

// paragraphs splits lines at empty lines.
func paragraphs(lines []string) [][]string {
	var out [][]string
	var cur []string
	for _, l := range append(lines, "") {
		if l == "" {
			if len(cur) > 0 {
				out = append(out, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, l)
	}
	return out
}

func trimmedLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// containsRun reports whether run appears in lines, in a row.
func containsRun(lines, run []string) bool {
outer:
	for i := 0; i+len(run) <= len(lines); i++ {
		for j, l := range run {
			if lines[i+j] != l {
				continue outer
			}
		}
		return true
	}
	return false
}
