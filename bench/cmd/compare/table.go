package main

import (
	"fmt"
	"strings"
	"time"
)

// table is a markdown table being built.
type table struct {
	lines [][]string
}

func (t *table) add(cells ...string) { t.lines = append(t.lines, cells) }

func (t *table) String() string {
	var b strings.Builder
	for i, l := range t.lines {
		b.WriteString("| " + strings.Join(l, " | ") + " |\n")
		if i == 0 {
			b.WriteString(strings.Repeat("|---", len(l)) + "|\n")
		}
	}
	return b.String()
}

// group is one row of the issue: its benchmark and how to render it.
type group struct {
	n     int
	title string
	bench string
	draw  func(t *table, g group, r results)
}

var groups = []group{
	{1, "Load, 100 fields, no I/O", "BenchmarkRow1Load", drawLoad},
	{2, "Warm read of a cached value", "BenchmarkRow2Warm", drawWarm},
	{3, "Startup from SSM, 100 secrets, 20 ms/request", "BenchmarkRow3SSM", drawStore},
	{4, "Startup from Vault KV v2, 100 paths, 20 ms/read", "BenchmarkRow4Vault", drawStore},
	{5, "Stampede: 1,000 readers, one cold secret", "BenchmarkRow5Stampede", drawStampede},
	{6, "Memory of 10,000 cached secrets", "BenchmarkRow6Memory", drawMemory},
}

// render returns the text between the doc's markers: where it ran and the
// table.
func render(r results, want map[int]bool, where string, took time.Duration) string {
	t := &table{}
	t.add("Row", "Case", "Time/op", "Allocs/op", "B/op", "Other figures", "vaultly ÷ case", "Goal")
	for _, g := range groups {
		if want[g.n] {
			g.draw(t, g, r)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Measured on %s; the run took %s.\n\n", where, took)
	b.WriteString(t.String())
	b.WriteString("\nvaultly ÷ case divides vaultly's figure by the case's: time per op in rows 1 to 4, " +
		"the slowest reader's wait in row 5, bytes per entry in row 6. Below 1 means vaultly is faster or smaller. " +
		"Every figure is the median of the runs (-count) of its row.\n")
	return b.String()
}

// line adds one case of a group: its name, the standard figures and the
// extra cells.
func line(t *table, g group, first bool, r results, sub, label, other, ratio, goal string) {
	name := g.bench + "/" + sub
	row := ""
	if first {
		row = fmt.Sprintf("%d. %s", g.n, g.title)
	}
	t.add(row, label, timeCell(r, name), intCell(r, name, "allocs/op"), intCell(r, name, "B/op"), other, ratio, goal)
}

func drawLoad(t *table, g group, r results) {
	v := g.bench + "/vaultly"
	goal := "vaultly ÷ go-envconfig ≤ 1.0: " + ratioVerdict(r, v, g.bench+"/go-envconfig", "ns/op", func(x float64) bool { return x <= 1.0 })
	line(t, g, true, r, "vaultly", "vaultly.Load over backends/mock", reqCell(r, v), "—", goal)
	line(t, g, false, r, "go-envconfig", "sethvargo/go-envconfig, MapLookuper", "", ratioCell(r, v, g.bench+"/go-envconfig", "ns/op"), "")
	line(t, g, false, r, "caarlos0-env", "caarlos0/env/v11, Environment map", "", ratioCell(r, v, g.bench+"/caarlos0-env", "ns/op"), "")
	line(t, g, false, r, "vaultly-map", "vaultly.Load over a plain map backend", "Load without the mock's bookkeeping", ratioCell(r, g.bench+"/vaultly-map", g.bench+"/go-envconfig", "ns/op")+" (to go-envconfig)", "")
	line(t, g, false, r, "mock-batch", "backends/mock GetBatch alone", "included in vaultly's figure", "", "")
}

func drawWarm(t *table, g group, r results) {
	vs, vp := g.bench+"/vaultly/serial", g.bench+"/vaultly/parallel"
	allocs, _ := r.get(vs, "allocs/op")
	allocsP, _ := r.get(vp, "allocs/op")
	var goals []string
	goals = append(goals, "0 allocs/op: "+verdictBool(allocs == 0 && allocsP == 0, fmt.Sprintf("%g, %g", allocs, allocsP)))
	fastest := true
	for _, peer := range []string{"runtimevar", "rwmutex-map"} {
		for _, mode := range []string{"serial", "parallel"} {
			if x, ok := ratio(r, g.bench+"/vaultly/"+mode, g.bench+"/"+peer+"/"+mode, "ns/op"); !ok || x >= 1 {
				fastest = false
			}
		}
	}
	goals = append(goals, "fastest of the real caches: "+verdictBool(fastest, ""))
	goals = append(goals, "≤ 3x the floor: "+ratioVerdict(r, vs, g.bench+"/floor/serial", "ns/op", func(x float64) bool { return x <= 3 }))
	goals = append(goals, "parallel ≤ serial: "+ratioVerdict(r, vp, vs, "ns/op", func(x float64) bool { return x <= 1 }))
	cases := []struct{ sub, label string }{
		{"vaultly", "vaultly Secret[string].Get, ttl=1h"},
		{"runtimevar", "gocloud runtimevar Latest, constantvar"},
		{"rwmutex-map", "sync.RWMutex + map with expiry"},
		{"floor", "floor: atomic.Pointer load + time.Now"},
	}
	first := true
	for _, c := range cases {
		for _, mode := range []string{"serial", "parallel"} {
			sub := c.sub + "/" + mode
			rc, goal := "—", ""
			if c.sub != "vaultly" {
				rc = ratioCell(r, g.bench+"/vaultly/"+mode, g.bench+"/"+sub, "ns/op")
			} else if mode == "serial" {
				goal = strings.Join(goals, "; ")
			}
			line(t, g, first, r, sub, c.label+", "+mode, "", rc, goal)
			first = false
		}
	}
}

func drawStore(t *table, g group, r results) {
	v := g.bench + "/vaultly"
	var goal string
	if g.n == 3 {
		reqs, ok := r.get(v, "requests/load")
		goal = "10 requests/load: " + verdictBool(ok && reqs <= 10, fmt.Sprintf("%g", reqs)) +
			"; under 3x one request: " + ratioVerdict(r, v, g.bench+"/one-request", "ns/op", func(x float64) bool { return x < 3 })
	} else {
		goal = "no figure set by the issue"
	}
	other := reqCell(r, v)
	if c, ok := r.get(v, "concurrency"); ok {
		other += fmt.Sprintf("; %g reads in flight", c)
	}
	line(t, g, true, r, "one-request", "one request alone", reqCell(r, g.bench+"/one-request"), ratioCell(r, v, g.bench+"/one-request", "ns/op"), "")
	vaultlyLabel := "vaultly.Load over backends/ssm"
	if g.n == 4 {
		vaultlyLabel = "vaultly.Load over backends/vault"
	}
	line(t, g, false, r, "vaultly", vaultlyLabel, other, "—", goal)
	if g.n == 3 {
		line(t, g, false, r, "runtimevar", "gocloud runtimevar awsparamstore, a Variable per secret", reqCell(r, g.bench+"/runtimevar"), ratioCell(r, v, g.bench+"/runtimevar", "ns/op"), "")
		line(t, g, false, r, "sequential", "one GetParameter per field, in sequence", reqCell(r, g.bench+"/sequential"), ratioCell(r, v, g.bench+"/sequential", "ns/op"), "")
	} else {
		line(t, g, false, r, "sequential", "one KVv2 Get per field, in sequence", reqCell(r, g.bench+"/sequential"), ratioCell(r, v, g.bench+"/sequential", "ns/op"), "")
	}
}

func drawStampede(t *table, g group, r results) {
	v := g.bench + "/vaultly"
	calls, ok := r.get(v, "backend-calls/op")
	goal := "1 backend call: " + verdictBool(ok && calls == 1, fmt.Sprintf("%g", calls))
	other := func(name string) string {
		c, ok1 := r.get(name, "backend-calls/op")
		w, ok2 := r.get(name, "slowest-wait-ms")
		if !ok1 || !ok2 {
			return "not measured"
		}
		return fmt.Sprintf("%s backend call(s); slowest reader waited %.1f ms", thousands(int64(c+0.5)), w)
	}
	line(t, g, true, r, "vaultly", "vaultly Secret[string].Get", other(v), "—", goal)
	line(t, g, false, r, "rwmutex-map", "sync.RWMutex + map, fill on miss", other(g.bench+"/rwmutex-map"), ratioCell(r, v, g.bench+"/rwmutex-map", "slowest-wait-ms"), "")
}

func drawMemory(t *table, g group, r results) {
	v := g.bench + "/vaultly"
	const unit = "B/entry-beside-value"
	goal := "under 256 B beside the value: " + valueVerdict(r, v, unit, func(x float64) bool { return x < 256 })
	other := func(name string) string {
		x, ok := r.get(name, unit)
		if !ok {
			return "not measured"
		}
		s := fmt.Sprintf("%.0f B per entry beside the value", x)
		if p, ok := r.get(name, "plan-B/field"); ok {
			s += fmt.Sprintf(" (+ %.0f B per field for the type's plan, once per type)", p)
		}
		return s
	}
	line(t, g, true, r, "vaultly", "vaultly cache after Load with WithPrefetch", other(v), "—", goal)
	line(t, g, false, r, "rwmutex-map", "sync.RWMutex + map with expiry", other(g.bench+"/rwmutex-map"), ratioCell(r, v, g.bench+"/rwmutex-map", unit), "")
	line(t, g, false, r, "runtimevar", "gocloud runtimevar, a constantvar per secret (heap + stacks)", other(g.bench+"/runtimevar"), ratioCell(r, v, g.bench+"/runtimevar", unit), "")
}

func ratioVerdict(r results, a, b, unit string, met func(float64) bool) string {
	x, ok := ratio(r, a, b, unit)
	return verdict(x, ok, met)
}

func valueVerdict(r results, name, unit string, met func(float64) bool) string {
	x, ok := r.get(name, unit)
	return verdict(x, ok, met)
}

func ratio(r results, a, b, unit string) (float64, bool) {
	x, ok1 := r.get(a, unit)
	y, ok2 := r.get(b, unit)
	if !ok1 || !ok2 || y == 0 {
		return 0, false
	}
	return x / y, true
}

func ratioCell(r results, a, b, unit string) string {
	x, ok := ratio(r, a, b, unit)
	if !ok {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", x)
}

func verdict(x float64, ok bool, met func(float64) bool) string {
	if !ok {
		return "not measured"
	}
	if met(x) {
		return fmt.Sprintf("met (%.2f)", x)
	}
	return fmt.Sprintf("**missed** (%.2f)", x)
}

func verdictBool(met bool, detail string) string {
	s := "met"
	if !met {
		s = "**missed**"
	}
	if detail != "" {
		s += " (" + detail + ")"
	}
	return s
}

func reqCell(r results, name string) string {
	x, ok := r.get(name, "requests/load")
	if !ok {
		return ""
	}
	return fmt.Sprintf("requests per load: %g", x)
}

func timeCell(r results, name string) string {
	ns, ok := r.get(name, "ns/op")
	if !ok {
		return "n/a"
	}
	d := time.Duration(ns)
	switch {
	case ns < 1e3:
		return fmt.Sprintf("%.1f ns", ns)
	case ns < 1e6:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	case ns < 1e9:
		return fmt.Sprintf("%.1f ms", ns/1e6)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func intCell(r results, name, unit string) string {
	x, ok := r.get(name, unit)
	if !ok {
		return "n/a"
	}
	return thousands(int64(x + 0.5))
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
