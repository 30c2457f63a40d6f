// Command compare runs the comparison benchmarks of the bench module, one
// go test run per row of the table (every peer of a row in that run, so
// their ratios hold on a noisy machine), prints the raw results and the
// table, and rewrites the table in docs/performance.md between the lines
// <!-- bench:start --> and <!-- bench:end -->.
//
// Run it from the bench directory:
//
//	go run ./cmd/compare            // every row, then rewrite the doc
//	go run ./cmd/compare -rows 1,2  // some rows; the doc is left alone
//	go run ./cmd/compare -doc ""    // print only
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// rowRun is how one row is run: its benchmark and how long each case runs.
type rowRun struct {
	n         int
	bench     string
	benchtime string
	count     int
}

// The benchtimes keep the whole comparison to about two minutes on two
// cores: the 2-second sequential loads of rows 3 and 4 run once per count.
var rowRuns = []rowRun{
	{1, "BenchmarkRow1Load", "1s", 3},
	{2, "BenchmarkRow2Warm", "500ms", 3},
	{3, "BenchmarkRow3SSM", "1500ms", 3},
	{4, "BenchmarkRow4Vault", "1500ms", 3},
	{5, "BenchmarkRow5Stampede", "20x", 3},
	{6, "BenchmarkRow6Memory", "1x", 3},
}

const (
	startMarker = "<!-- bench:start -->"
	endMarker   = "<!-- bench:end -->"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("compare: ")
	doc := flag.String("doc", "../docs/performance.md", "file whose table to rewrite (empty: print only)")
	rowsFlag := flag.String("rows", "1,2,3,4,5,6", "rows to run; the doc is rewritten only when all run")
	flag.Parse()

	want, err := parseRows(*rowsFlag)
	if err != nil {
		log.Fatal(err)
	}
	tmp, err := os.MkdirTemp("", "vaultly-bench-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bench.test")
	if err := run(io.Discard, "go", "test", "-c", "-o", bin, "."); err != nil {
		log.Fatalf("building the benchmarks (run from the bench directory): %v", err)
	}

	start := time.Now()
	res := results{}
	for _, r := range rowRuns {
		if !want[r.n] {
			continue
		}
		var out bytes.Buffer
		err := run(io.MultiWriter(os.Stdout, &out), bin,
			"-test.run", "^$", "-test.bench", "^"+r.bench+"$", "-test.benchmem",
			"-test.benchtime", r.benchtime, "-test.count", strconv.Itoa(r.count), "-test.timeout", "10m")
		if err != nil {
			log.Fatalf("row %d: %v", r.n, err)
		}
		res.parse(&out)
	}
	took := time.Since(start).Round(time.Second)

	table := render(res, want, machine(), took)
	fmt.Println()
	fmt.Print(table)
	if *doc == "" || len(want) < len(rowRuns) {
		return
	}
	if err := rewrite(*doc, table); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "compare: wrote the table to %s\n", *doc)
}

func parseRows(s string) (map[int]bool, error) {
	out := map[int]bool{}
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > len(rowRuns) {
			return nil, fmt.Errorf("-rows: %q is not a row number (1-%d)", f, len(rowRuns))
		}
		out[n] = true
	}
	return out, nil
}

func run(stdout io.Writer, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stdout = stdout
	cmd.Stderr = os.Stderr
	return cmd.Run()
}

// results holds every value reported for a benchmark, by name (without
// the -GOMAXPROCS suffix) and unit, one value per -count run.
type results map[string]map[string][]float64

func (r results) parse(out io.Reader) {
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		m := r[name]
		if m == nil {
			m = map[string][]float64{}
			r[name] = m
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			m[f[i+1]] = append(m[f[i+1]], v)
		}
	}
}

// get returns the median of a benchmark's values for unit, and whether
// there were any.
func (r results) get(name, unit string) (float64, bool) {
	vs := r[name][unit]
	if len(vs) == 0 {
		return 0, false
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

// machine describes where the benchmarks ran.
func machine() string {
	cpus := strconv.Itoa(runtime.NumCPU())
	if out, err := exec.Command("nproc").Output(); err == nil {
		cpus = strings.TrimSpace(string(out))
	}
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	gover := runtime.Version()
	if out, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		gover = strings.TrimSpace(string(out))
	}
	return fmt.Sprintf("%s CPUs (nproc), %s, %s %s/%s", cpus, model, gover, runtime.GOOS, runtime.GOARCH)
}

// rewrite replaces the text between the markers of the file at path.
func rewrite(path, table string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(data)
	i := strings.Index(s, startMarker)
	j := strings.Index(s, endMarker)
	if i < 0 || j < i {
		return errors.New(path + ": no " + startMarker + " ... " + endMarker + " block to rewrite")
	}
	s = s[:i+len(startMarker)] + "\n" + table + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}
