package docscheck

// TestDocs type-checks every Go code block of README.md and docs/*.md, so a
// snippet a reader copies compiles. The conventions a block follows:
//
//   - A block fenced ```go is Go and is checked. Anything else (output, a
//     shell session, JSON, a tag alone) takes another fence tag: ```text,
//     ```sh, ```json, or none.
//   - A block is a whole file (it begins with a package clause) or a
//     fragment: declarations (import, type, func, const, var) and statements
//     in any order, as a reader would paste them. Its type, func and import
//     declarations go to package scope; its statements (and, when it has
//     statements, its var and const declarations) go, in order, into the
//     body of one function. That function returns error when a statement
//     returns one value ((any, ..., error) when it returns more), so a
//     fragment may end in `return err`. A block of struct fields alone (a
//     tag shown on its field) is checked as the fields of a struct. "declared and not used" is not
//     reported for that body: a fragment shows statements, not a whole
//     function.
//   - Imports: a block's own imports, then those of earlier blocks of the
//     same page, then by package name: this module's public packages and the
//     standard library (an ambiguous name takes the choice in stdPrefer).
//     Other packages must be imported by the block.
//   - A page reads as one program: a block may use the types, functions and
//     package-level names declared by an earlier block of its page (the
//     latest one wins), and the variables any earlier block declared in a
//     function body, with the type they had there. A few names a reader
//     takes as given are at hand too: ctx (context.Context), t
//     (*testing.T), err (error), backend (vaultly.Backend), loader
//     (*vaultly.Loader) and cfg (the page's Config; without one, any, so
//     &cfg can be passed to Load but no field read).
//   - Anything else a fragment takes as given is declared in a comment
//     right before its fence, which Markdown does not show:
//     <!-- docscheck: var myStore *Store -->.
//
// Errors are reported at the line of the page (README.md:23), through
// //line directives in the file the checker builds.

import (
	"bytes"
	"cmp"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	pathpkg "path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// moduleRoot is the repository root, relative to this package.
const moduleRoot = "../.."

func TestDocs(t *testing.T) {
	pages := []string{"README.md"}
	docs, err := filepath.Glob(filepath.Join(moduleRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range docs {
		rel, err := filepath.Rel(moduleRoot, p)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, filepath.ToSlash(rel))
	}
	c := newChecker(t)
	texts := map[string]string{}
	total := 0
	for _, page := range pages {
		text, err := os.ReadFile(filepath.Join(moduleRoot, filepath.FromSlash(page)))
		if err != nil {
			t.Fatal(err)
		}
		texts[page] = string(text)
		total += len(extract(page, string(text)))
	}
	if total < 50 {
		t.Errorf("found %d Go blocks in %d pages: the extractor is broken", total, len(pages))
	}
	for _, page := range pages {
		t.Run(page, func(t *testing.T) {
			errs, notes := c.checkPage(extract(page, texts[page]))
			for _, n := range notes {
				t.Log(n)
			}
			if why, ok := knownFailing[page]; ok {
				if len(errs) == 0 {
					t.Fatalf("%s compiles now: remove it from knownFailing", page)
				}
				t.Skipf("%s is not checked yet: %s. Its errors:\n%s", page, why, strings.Join(errs, "\n"))
			}
			for _, e := range errs {
				t.Error(e)
			}
		})
	}
}

// knownFailing lists the pages whose blocks do not compile yet, and why.
// Each is skipped, with its errors; one that compiles fails the test until
// it is removed from here.
var knownFailing = map[string]string{}

// checkedElsewhere lists packages outside this module's build list that a
// page may import, with where its blocks are compiled instead: a block that
// imports one is skipped here (and logged).
var checkedElsewhere = map[string]string{
	"github.com/hashicorp/vault/api/auth/approle":    "integration/docs_test.go (its own module)",
	"github.com/hashicorp/vault/api/auth/kubernetes": "integration/docs_test.go (its own module)",
}

// TestCheckerCatches shows that the check fails on snippets that do not
// compile, and accepts the fragment forms the docs use.
func TestCheckerCatches(t *testing.T) {
	c := newChecker(t)
	cases := []struct {
		name string
		md   string
		want []string // substrings of the errors, in order; none: no error
	}{
		{
			name: "fragment with a struct and statements",
			md: "```go\ntype Config struct {\n\tStage string\n\tPassword vaultly.Secret[string] `secret:\"/<stage>/pw\"`\n}\n\n" +
				"b := mock.New(map[string]string{\"/prod/pw\": \"x\"})\ncfg := Config{Stage: \"prod\"}\n" +
				"if err := vaultly.LoadContext(ctx, &cfg, b); err != nil {\n\treturn err\n}\npw, err := cfg.Password.Get(ctx)\n```\n",
		},
		{
			name: "a later block uses the earlier one's type and variables",
			md: "```go\ntype Config struct{ Stage string }\n\ncfg := Config{Stage: \"prod\"}\n```\n\ntext\n\n" +
				"```go\nfmt.Println(cfg.Stage)\n```\n",
		},
		{
			name: "not Go under another tag",
			md:   "```text\nvaultly: Config.A: configuration error\n```\n```sh\nmake test\n```\n",
		},
		{
			name: "variable declared twice",
			md:   "```go\nb, err := env.New()\nb, err := env.New(env.WithPrefix(\"MYAPP\"))\n```\n",
			want: []string{"page.md:3:", "no new variables"},
		},
		{
			name: "undefined type",
			md:   "```go\nvar cfg Config\nerr := vaultly.Load(&cfg, backend)\n```\n",
			want: []string{"page.md:2:", "undefined: Config"},
		},
		{
			name: "wrong method",
			md:   "```go\nvar s vaultly.Secret[string]\nv := s.Value()\n```\n",
			want: []string{"page.md:3:", "s.Value undefined"},
		},
		{
			name: "syntax error in a whole file",
			md:   "Intro.\n\n```go\npackage main\n\nfunc main() {\n\tx := \n}\n```\n",
			want: []string{"page.md:8:", "expected operand"},
		},
		{
			name: "a name given by a hidden prelude",
			md:   "<!-- docscheck: var myStore vaultly.Backend -->\n```go\nv, err := myStore.Get(ctx, vaultly.Ref{Path: \"/a\"})\n```\n",
		},
		{
			name: "a package built over several blocks and imported by its test",
			md: "```go\npackage store\n\nimport \"context\"\n\ntype S struct{}\n```\n```go\nfunc (S) Get(ctx context.Context) string { return \"\" }\n```\n" +
				"```go\npackage store_test\n\nimport \"example.com/store\"\n\nvar _ = store.S{}.Get\n```\n",
		},
		{
			name: "a later block does not see a type declared later",
			md:   "```go\nfmt.Println(Later{})\n```\n```go\ntype Later struct{}\n```\n",
			want: []string{"page.md:2:", "undefined: Later"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			errs, _ := c.checkPage(extract("page.md", tc.md))
			if len(tc.want) == 0 {
				for _, e := range errs {
					t.Error(e)
				}
				return
			}
			if len(errs) == 0 {
				t.Fatalf("no error, want one with %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs[0], w) {
					t.Errorf("first error %q, want it to contain %q (all: %q)", errs[0], w, errs)
				}
			}
		})
	}
}

// block is one ```go block of a page.
type block struct {
	page string
	line int // page line of the block's first line of code
	src  string

	// prelude is Go the reader does not need to see, from a comment
	// <!-- docscheck: ... --> right before the fence: declarations of the
	// names a fragment takes as given (var myStore *Store), checked like
	// the block's first lines.
	prelude     string
	preludeLine int
}

var fence = regexp.MustCompile("^```\\s*([^\\s`]*)")

const preludeOpen = "<!-- docscheck:"

// extract returns the ```go blocks of a Markdown page.
func extract(page, text string) []block {
	var (
		out    []block
		in     bool
		isGo   bool
		start  int
		buf    strings.Builder
		indent string

		prelude     string // the last docscheck comment, while no other line followed it
		preludeLine int
		inPrelude   bool
	)
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if !in {
			switch {
			case inPrelude:
				prelude += line + "\n"
			case strings.HasPrefix(trimmed, preludeOpen):
				inPrelude, preludeLine = true, i+1
				prelude = strings.TrimPrefix(trimmed, preludeOpen) + "\n"
			case fence.MatchString(trimmed):
				m := fence.FindStringSubmatch(trimmed)
				in, isGo, start = true, m[1] == "go", i+2
				indent = line[:len(line)-len(strings.TrimLeft(line, " \t"))] // a block in a list item
				buf.Reset()
				continue
			default:
				prelude = ""
				continue
			}
			if before, ok := strings.CutSuffix(strings.TrimSpace(prelude), "-->"); ok {
				prelude, inPrelude = before+"\n", false
			}
			continue
		}
		if strings.HasPrefix(trimmed, "```") {
			if isGo {
				out = append(out, block{page: page, line: start, src: buf.String(), prelude: prelude, preludeLine: preludeLine})
			}
			prelude = ""
			in = false
			continue
		}
		buf.WriteString(strings.TrimPrefix(line, indent))
		buf.WriteByte('\n')
	}
	return out
}

type chunkKind int

const (
	kImport chunkKind = iota
	kDecl             // type, func: package scope
	kValue            // var, const: package scope, or the body when the block has statements
	kStmt
)

// chunk is a run of lines of a block: one declaration or statements.
type chunk struct {
	kind  chunkKind
	line  int // page line
	src   string
	names []string // declared at package scope (kDecl, kValue)
	recv  string   // a method's receiver base type
}

// split cuts a block into chunks. A block that parses as a file (with
// "package snippet" added when it has no package clause) is cut at its
// declarations; anything else at every line that starts in column 0 and
// does not continue the one before (a closing brace or parenthesis).
func split(b block) ([]chunk, error) {
	if b.prelude == "" {
		return splitSrc(b)
	}
	pre, err := splitSrc(block{page: b.page, line: b.preludeLine, src: b.prelude})
	if err != nil {
		return nil, err
	}
	rest, err := splitSrc(b)
	return append(pre, rest...), err
}

func splitSrc(b block) ([]chunk, error) {
	src := b.src
	offset := 0 // lines added in front of src
	if !hasPackageClause(src) {
		src = "package snippet\n" + src
		offset = 1
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ParseComments|parser.SkipObjectResolution)
	if err == nil {
		var out []chunk
		for _, d := range f.Decls {
			from := d.Pos()
			if doc := declDoc(d); doc != nil {
				from = doc.Pos()
			}
			c := chunk{
				line: b.line + fset.Position(from).Line - 1 - offset,
				src:  src[fset.Position(from).Offset:fset.Position(d.End()).Offset],
			}
			c.kind, c.names, c.recv = classify(d)
			out = append(out, c)
		}
		return out, nil
	}
	if offset == 0 { // a whole file that does not parse
		return nil, shiftErr(err, b)
	}
	// Struct fields alone (a tag shown on its field): the fields of a struct.
	fields := "type _ struct {\n" + b.src + "}\n"
	if _, err := parser.ParseFile(token.NewFileSet(), "", "package snippet\n"+fields, parser.SkipObjectResolution); err == nil {
		return []chunk{{kind: kDecl, line: b.line - 1, src: fields}}, nil
	}
	var out []chunk
	lines := strings.SplitAfter(b.src, "\n")
	commentsOnly := false // the current chunk holds nothing but comments
	for i, l := range lines {
		comment := strings.HasPrefix(l, "//")
		starts := l != "" && !strings.ContainsAny(l[:1], " \t\n}){]")
		if len(out) == 0 || (starts && !(commentsOnly && !comment) && !(comment && commentsOnly)) {
			out = append(out, chunk{kind: kStmt, line: b.line + i})
			commentsOnly = comment
		} else if starts && !comment {
			commentsOnly = false
		}
		out[len(out)-1].src += l
	}
	for i := range out {
		c := &out[i]
		f, err := parser.ParseFile(token.NewFileSet(), "", "package snippet\n"+c.src, parser.SkipObjectResolution)
		if err == nil && len(f.Decls) == 1 {
			c.kind, c.names, c.recv = classify(f.Decls[0])
		}
	}
	return out, nil
}

func hasPackageClause(src string) bool {
	for l := range strings.Lines(src) {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "//") {
			continue
		}
		return strings.HasPrefix(l, "package ")
	}
	return false
}

func declDoc(d ast.Decl) *ast.CommentGroup {
	switch d := d.(type) {
	case *ast.GenDecl:
		return d.Doc
	case *ast.FuncDecl:
		return d.Doc
	}
	return nil
}

func classify(d ast.Decl) (kind chunkKind, names []string, recv string) {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv != nil && len(d.Recv.List) == 1 {
			typ := d.Recv.List[0].Type
			if s, ok := typ.(*ast.StarExpr); ok {
				typ = s.X
			}
			if ix, ok := typ.(*ast.IndexExpr); ok {
				typ = ix.X
			}
			if id, ok := typ.(*ast.Ident); ok {
				recv = id.Name
			}
			return kDecl, nil, recv
		}
		return kDecl, []string{d.Name.Name}, ""
	case *ast.GenDecl:
		kind = kDecl
		switch d.Tok {
		case token.IMPORT:
			kind = kImport
		case token.VAR, token.CONST:
			kind = kValue
		}
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				names = append(names, s.Name.Name)
			case *ast.ValueSpec:
				for _, n := range s.Names {
					names = append(names, n.Name)
				}
			}
		}
	}
	return kind, names, ""
}

// shiftErr moves a parse error of a block's source to the page's lines.
func shiftErr(err error, b block) error {
	line := 0
	msg := err.Error()
	if m := regexp.MustCompile(`^(\d+):\d+: (.*)`).FindStringSubmatch(msg); m != nil {
		fmt.Sscan(m[1], &line)
		msg = m[2]
	}
	return fmt.Errorf("%s:%d: %s", b.page, b.line+max(line, 1)-1, msg)
}

// pageState is what the blocks of a page so far declared.
type pageState struct {
	decls   []chunk                   // package-scope declarations, in page order
	imports map[string]string         // name -> import path
	vars    map[string]string         // variable -> its type, as source text
	pkgs    map[string]*types.Package // packages the page builds (httpstore), by name
}

// checker type-checks blocks against export data from `go list -export`.
type checker struct {
	t      *testing.T
	fset   *token.FileSet
	imp    types.Importer
	byName map[string]string // package name -> import path, for auto-import

	mu      sync.Mutex
	exports map[string]string // import path -> export data file
}

// stdPrefer settles standard library package names that several packages
// share.
var stdPrefer = map[string]string{
	"rand":      "crypto/rand",
	"template":  "text/template",
	"pprof":     "runtime/pprof",
	"scanner":   "text/scanner",
	"constant":  "go/constant",
	"build":     "go/build",
	"format":    "go/format",
	"parser":    "go/parser",
	"ast":       "go/ast",
	"token":     "go/token",
	"types":     "go/types",
	"doc":       "go/doc",
	"printer":   "go/printer",
	"errors":    "errors",
	"signal":    "os/signal",
	"trace":     "runtime/trace",
	"metrics":   "runtime/metrics",
	"cookiejar": "net/http/cookiejar",
}

var (
	checkerOnce sync.Once
	shared      *checker
	sharedErr   error
)

func newChecker(t *testing.T) *checker {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	checkerOnce.Do(func() { shared, sharedErr = buildChecker() })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	shared.t = t
	return shared
}

func buildChecker() (*checker, error) {
	c := &checker{fset: token.NewFileSet(), byName: map[string]string{}, exports: map[string]string{}}
	std, err := goList("-f", "{{.Name}} {{.ImportPath}}", "std")
	if err != nil {
		return nil, err
	}
	mod, err := goList("-f", "{{.Name}} {{.ImportPath}}", "./...")
	if err != nil {
		return nil, err
	}
	for _, l := range append(std, mod...) {
		name, path, _ := strings.Cut(l, " ")
		if strings.Contains(path, "internal") || strings.Contains(path, "vendor") || name == "main" {
			continue
		}
		if old, ok := c.byName[name]; ok && strings.HasPrefix(path, "github.com/vaultly/") == strings.HasPrefix(old, "github.com/vaultly/") {
			// Two standard packages (or two of ours) by one name: the
			// preferred one, else the shorter path.
			if p, ok := stdPrefer[name]; ok {
				c.byName[name] = p
			} else if len(path) < len(old) {
				c.byName[name] = path
			}
			continue
		}
		c.byName[name] = path // ours win over the standard library's
	}
	// The export data of the module and everything it imports, in one call.
	deps, err := goList("-export", "-deps", "-f", "{{.ImportPath}}={{.Export}}", "./...", "testing", "net/http/httptest", "os/signal")
	if err != nil {
		return nil, err
	}
	for _, l := range deps {
		if path, file, ok := strings.Cut(l, "="); ok && file != "" {
			c.exports[path] = file
		}
	}
	c.imp = importer.ForCompiler(c.fset, "gc", c.lookup)
	return c, nil
}

func (c *checker) lookup(path string) (io.ReadCloser, error) {
	c.mu.Lock()
	file, ok := c.exports[path]
	c.mu.Unlock()
	if !ok {
		out, err := goList("-export", "-f", "{{.Export}}", path)
		if err != nil || len(out) != 1 || out[0] == "" {
			return nil, fmt.Errorf("%q is neither in the standard library nor in this module's build list (go.mod)", path)
		}
		file = out[0]
		c.mu.Lock()
		c.exports[path] = file
		c.mu.Unlock()
	}
	return os.Open(file)
}

func goList(args ...string) ([]string, error) {
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = moduleRoot
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	var lines []string
	for l := range strings.Lines(string(out)) {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines, nil
}

// checkPage type-checks the blocks of one page in order and returns the
// errors, each led by page:line.
func (c *checker) checkPage(blocks []block) (errs, notes []string) {
	st := &pageState{imports: map[string]string{}, vars: map[string]string{}, pkgs: map[string]*types.Package{}}
	for i := 0; i < len(blocks); {
		// A block that opens a package (package httpstore), with the blocks
		// of declarations only that follow it, makes up one file.
		group := blocks[i : i+1]
		if name := packageName(blocks[i].src); name != "" && name != "main" && !strings.HasSuffix(name, "_test") {
			for j := i + 1; j < len(blocks) && packageName(blocks[j].src) == "" && declsOnly(blocks[j]); j++ {
				group = blocks[i : j+1]
			}
		}
		i += len(group)
		if path, where := importsElsewhere(group); path != "" {
			notes = append(notes, fmt.Sprintf("%s:%d: not checked here: it imports %s, compiled in %s", group[0].page, group[0].line, path, where))
			continue
		}
		errs = append(errs, c.checkBlock(st, group)...)
	}
	return errs, notes
}

// importsElsewhere returns the first import of a checkedElsewhere package
// in a group of blocks, and where it is checked.
func importsElsewhere(group []block) (path, where string) {
	for _, b := range group {
		src := b.prelude + b.src
		if !hasPackageClause(src) {
			src = "package p\n" + src
		}
		f, _ := parser.ParseFile(token.NewFileSet(), "", src, parser.ImportsOnly)
		if f == nil {
			continue
		}
		for _, s := range f.Imports {
			p := strings.Trim(s.Path.Value, `"`)
			if w, ok := checkedElsewhere[p]; ok {
				return p, w
			}
		}
	}
	return "", ""
}

// packageName returns the name in a block's package clause, or "".
func packageName(src string) string {
	if !hasPackageClause(src) {
		return ""
	}
	f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.PackageClauseOnly)
	if err != nil {
		return ""
	}
	return f.Name.Name
}

func declsOnly(b block) bool {
	chunks, err := split(b)
	return err == nil && !slices.ContainsFunc(chunks, func(c chunk) bool { return c.kind == kStmt })
}

// pageImporter imports the packages a page builds by the last element of
// their path (example.com/httpstore), everything else from export data.
type pageImporter struct {
	c  *checker
	st *pageState
}

func (p pageImporter) Import(path string) (*types.Package, error) {
	if pkg, ok := p.st.pkgs[pathpkg.Base(path)]; ok {
		p.c.mu.Lock()
		_, real := p.c.exports[path]
		p.c.mu.Unlock()
		if !real {
			return pkg, nil
		}
	}
	return p.c.imp.Import(path)
}

// genFile names the file the checker builds for a block; //line
// directives map its lines back to the page.
const genFile = "snippets.go"

var (
	undefinedRE    = regexp.MustCompile(`^undefined: (\w+)$`)
	undefinedSelRE = regexp.MustCompile(`^undefined: (\w+)\.\w+$`)
)

// alternatives are other packages an auto-imported name may mean, tried
// in order when the first has no such member (cmp.Diff is go-cmp's).
var alternatives = map[string][]string{
	"cmp": {"github.com/google/go-cmp/cmp"},
}

func (c *checker) checkBlock(st *pageState, group []block) []string {
	b := group[0]
	var chunks []chunk
	for _, g := range group {
		ch, err := split(g)
		if err != nil {
			return []string{err.Error()}
		}
		chunks = append(chunks, ch...)
	}
	firstLine := b.line
	if b.prelude != "" {
		firstLine = b.preludeLine
	}
	pkgName := cmp.Or(packageName(b.src), "snippet")
	hasStmts := slices.ContainsFunc(chunks, func(c chunk) bool { return c.kind == kStmt })

	// The block's own imports, as written.
	var ownImports []string
	own := map[string]bool{}
	for _, ch := range chunks {
		if ch.kind != kImport {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), "", "package p\n"+ch.src, parser.ImportsOnly)
		if err != nil {
			return []string{fmt.Sprintf("%s:%d: %v", b.page, ch.line, err)}
		}
		for _, s := range f.Imports {
			path := strings.Trim(s.Path.Value, `"`)
			name := filepath.Base(path)
			if s.Name != nil {
				name = s.Name.Name
			} else if n := c.importPackageName(path); n != "" {
				name = n
			}
			ownImports = append(ownImports, fmt.Sprintf("%s %s", name, s.Path.Value))
			own[name] = true
			st.imports[name] = path
		}
	}
	declared := map[string]bool{}
	for _, ch := range chunks {
		for _, n := range ch.names {
			declared[n] = true
		}
	}

	var (
		included  []int // indexes into st.decls
		extraImps = map[string]bool{}
		params    []string // "name type"
		paramSet  = map[string]bool{}
	)
	givens := map[string]string{
		"ctx":     "context.Context",
		"t":       "*testing.T",
		"err":     "error",
		"backend": "vaultly.Backend",
		"loader":  "*vaultly.Loader",
		"cfg":     "Config",
	}
	tried := map[string]int{} // auto-imported name -> alternatives tried
	results := wrapperResults(chunks)

	for range 50 {
		src, bodyFrom, bodyTo := c.render(b, pkgName, chunks, hasStmts, ownImports, st, included, extraImps, params, results)
		file, err := parser.ParseFile(c.fset, genFile, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return []string{fmt.Sprintf("%v\nin the file built for %s:%d:\n%s", err, b.page, b.line, src)}
		}
		var terrs []types.Error
		conf := types.Config{Importer: pageImporter{c, st}, Error: func(err error) { terrs = append(terrs, err.(types.Error)) }}
		info := &types.Info{Defs: map[*ast.Ident]types.Object{}}
		pkg, _ := conf.Check(pkgName, c.fset, []*ast.File{file}, info)

		progress := false
		for _, e := range terrs {
			if m := undefinedSelRE.FindStringSubmatch(e.Msg); m != nil && extraImps[m[1]] && tried[m[1]] < len(alternatives[m[1]]) {
				st.imports[m[1]] = alternatives[m[1]][tried[m[1]]]
				tried[m[1]]++
				progress = true
				continue
			}
			m := undefinedRE.FindStringSubmatch(e.Msg)
			if m == nil {
				continue
			}
			name := m[1]
			if i := lastDecl(st.decls, name); i >= 0 && !slices.Contains(included, i) && !declared[name] {
				included = append(included, i)
				for j, d := range st.decls { // the type's methods come along
					if d.recv == name && !slices.Contains(included, j) {
						included = append(included, j)
					}
				}
				progress = true
			} else if path, ok := st.imports[name]; ok && !own[name] && !extraImps[name] && path != "" {
				extraImps[name] = true
				progress = true
			} else if typ, ok := st.vars[name]; ok && hasStmts && !paramSet[name] {
				params, paramSet[name], progress = append(params, name+" "+typ), true, true
			} else if typ, ok := givens[name]; ok && hasStmts && !paramSet[name] {
				if typ == "Config" && lastDecl(st.decls, "Config") < 0 && !declared["Config"] {
					typ = "any" // a page without a Config: cfg is the reader's own struct
				}
				params, paramSet[name], progress = append(params, name+" "+typ), true, true
			} else if _, ok := c.byName[name]; ok && !extraImps[name] && !own[name] {
				extraImps[name] = true
				st.imports[name] = c.byName[name]
				progress = true
			}
		}
		if progress {
			continue
		}

		// Done: record what later blocks may use, report the rest.
		for _, ch := range chunks {
			if ch.kind == kDecl || (ch.kind == kValue && !hasStmts) {
				st.decls = append(st.decls, ch)
			}
		}
		type def struct {
			pos  token.Pos
			name string
			typ  string
		}
		var defs []def
		qual := func(p *types.Package) string {
			if p == pkg {
				return ""
			}
			return p.Name()
		}
		for _, id := range localVars(file) {
			v, ok := info.Defs[id].(*types.Var)
			if !ok || id.Name == "_" || !types.IsInterface(v.Type()) && v.Type().Underlying() == types.Typ[types.Invalid] {
				continue
			}
			if p := c.fset.Position(id.Pos()); p.Filename != b.page || p.Line < firstLine || paramSet[id.Name] {
				continue // not declared by this block
			}
			defs = append(defs, def{id.Pos(), id.Name, types.TypeString(v.Type(), qual)})
		}
		if pkgName != "snippet" && pkg != nil {
			st.pkgs[pkgName] = pkg
		}
		slices.SortFunc(defs, func(a, b def) int { return cmp.Compare(a.pos, b.pos) })
		for _, d := range defs {
			st.vars[d.name] = d.typ
		}

		var out []string
		for _, e := range terrs {
			raw := c.fset.PositionFor(e.Pos, false)
			if strings.HasPrefix(e.Msg, "declared and not used") && raw.Line > bodyFrom && raw.Line < bodyTo {
				continue
			}
			pos := c.fset.Position(e.Pos).String()
			if raw.Filename == genFile && c.fset.Position(e.Pos).Filename == genFile {
				// An import or the wrapper's header: no line of the page.
				pos = fmt.Sprintf("%s:%d (the block's imports or a given name)", b.page, b.line)
			}
			out = append(out, fmt.Sprintf("%s: %s", pos, e.Msg))
		}
		return out
	}
	return []string{fmt.Sprintf("%s:%d: the checker found no end resolving names", b.page, b.line)}
}

// localVars returns the variables declared inside function bodies (by :=,
// var and range), in source order.
func localVars(f *ast.File) []*ast.Ident {
	var ids []*ast.Ident
	inBody := func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						ids = append(ids, id)
					}
				}
			}
		case *ast.ValueSpec:
			ids = append(ids, n.Names...)
		case *ast.RangeStmt:
			if n.Tok == token.DEFINE {
				for _, e := range []ast.Expr{n.Key, n.Value} {
					if id, ok := e.(*ast.Ident); ok {
						ids = append(ids, id)
					}
				}
			}
		}
		return true
	}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
			ast.Inspect(fd.Body, inBody)
		}
	}
	return ids
}

func (c *checker) importPackageName(path string) string {
	for name, p := range c.byName {
		if p == path {
			return name
		}
	}
	return ""
}

func lastDecl(decls []chunk, name string) int {
	for i := len(decls) - 1; i >= 0; i-- {
		if slices.Contains(decls[i].names, name) {
			return i
		}
	}
	return -1
}

// wrapperResults is the result list of the function that holds a block's
// statements: none, or error after as many `any` as a return statement
// needs.
func wrapperResults(chunks []chunk) string {
	var body strings.Builder
	for _, ch := range chunks {
		if ch.kind == kStmt || ch.kind == kValue {
			body.WriteString(ch.src + "\n")
		}
	}
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p\nfunc _() {\n"+body.String()+"\n}", parser.SkipObjectResolution)
	if err != nil {
		return ""
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		switch node := node.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			n = max(n, len(node.Results))
		}
		return true
	})
	if n == 0 {
		return ""
	}
	return "(" + strings.Repeat("any, ", n-1) + "error)"
}

// render writes the file for one block and returns it with the generated
// lines between which the wrapper function's body lies.
func (c *checker) render(b block, pkgName string, chunks []chunk, hasStmts bool, ownImports []string, st *pageState,
	included []int, extraImps map[string]bool, params []string, results string) (src string, bodyFrom, bodyTo int) {
	var w strings.Builder
	line := 1
	put := func(s string) {
		w.WriteString(s)
		line += strings.Count(s, "\n")
	}
	put("package " + pkgName + "\n\nimport (\n")
	for _, imp := range ownImports {
		put("\t" + imp + "\n")
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range extraImps {
			if !yield(n) {
				return
			}
		}
	})
	for _, n := range names {
		put(fmt.Sprintf("\t%s %q\n", n, st.imports[n]))
	}
	put(")\n\n")
	at := func(ch chunk) {
		put(fmt.Sprintf("//line %s:%d\n", b.page, ch.line))
		put(strings.TrimRight(ch.src, "\n") + "\n")
	}
	slices.Sort(included)
	for _, i := range included {
		at(st.decls[i])
		put("\n")
	}
	for _, ch := range chunks {
		if ch.kind == kDecl || (ch.kind == kValue && !hasStmts) {
			at(ch)
			put("\n")
		}
	}
	if hasStmts {
		put(fmt.Sprintf("func _snippet(%s) %s {\n", strings.Join(params, ", "), results))
		bodyFrom = line - 1
		for _, ch := range chunks {
			if ch.kind == kStmt || ch.kind == kValue {
				at(ch)
			}
		}
		if results != "" {
			put("panic(0)\n")
		}
		bodyTo = line
		put("}\n")
	}
	return w.String(), bodyFrom, bodyTo
}
