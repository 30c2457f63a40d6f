// Command fleet runs the fleet simulations of package fleet at full size
// and prints their table (make fleet).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/vaultly/vaultly/faulttest/fleet"
)

func main() {
	scale := flag.Int("scale", 1, "divide instances and quota by this")
	only := flag.String("only", "", "run only scenarios whose name, client or store contains this")
	jitter := flag.Float64("jitter", -1, "the TTL jitter of every run (default: each scenario's)")
	flag.Parse()
	debug.SetGCPercent(400) // tens of thousands of Loaders: less time in the GC
	start := time.Now()
	var rs []fleet.Result
	for _, sc := range fleet.Scenarios(*scale) {
		if *only != "" && !strings.Contains(sc.Name+" "+string(sc.Client)+" "+sc.Store.String(), *only) {
			continue
		}
		if *jitter >= 0 {
			sc.Jitter = *jitter
		}
		r, err := fleet.Run(sc)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "%s, %s, %s: %v\n", sc.Name, sc.Client, sc.Store, r.Wall)
		rs = append(rs, r)
	}
	fleet.WriteTable(os.Stdout, *scale, rs)
	fmt.Printf("\nThe %d runs took %v.\n", len(rs), time.Since(start).Round(time.Second))
}
