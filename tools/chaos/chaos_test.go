package chaos

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Environment of TestChaos.
const (
	envTrials   = "CHAOS_TRIALS"    // how many trials (default defaultTrials)
	envBaseSeed = "CHAOS_BASE_SEED" // the first trial's seed; trial i has seed base+i (default 1)
	// envSeed runs only the trial of this seed. The seed fixes the scenario, the fault rules and where the
	// apply is disrupted; which of terraform's concurrent requests the fault rates hit depends on the order
	// they arrive in, so a failure caused by one unlucky request may need a few reruns to show again.
	envSeed    = "CHAOS_SEED"
	envVerbose = "CHAOS_VERBOSE" // 1: show terraform's output
)

// defaultTrials is what `make test` and `make chaos` run: 20 of the demo and 5 of the estate, about 3.5
// minutes on 2 cores (the provider is built without -race), well inside CI's budget beside the other packages.
const defaultTrials = 25

// TestChaos applies the demo and the estate under faults, lost responses, terraform kills and sandbox
// crashes, and fails every trial that does not converge within three clean applies to an empty plan and
// a sandbox holding exactly the configuration. It ends with its figures, "chaos: <key> = <value>".
func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("the convergence suite runs terraform many times; skipped with -short")
	}
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("terraform is not on PATH")
	}
	seeds, err := trialSeeds()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	provider := buildProvider(t, tmp)
	demo, err := DemoScenario(filepath.Join("..", "..", "examples", "demo"))
	if err != nil {
		t.Fatal(err)
	}
	estate := EstateScenario(Estate{Users: 1000, Groups: 10, BindingGroups: 2})

	fmt.Printf("chaos: %d trials, seeds %d..%d (%s=<seed> runs one)\n", len(seeds), seeds[0], seeds[len(seeds)-1], envSeed)

	ctx := context.Background()
	r := &Runner{Provider: provider, Log: io.Discard}
	if os.Getenv(envVerbose) == "1" {
		r.Log = os.Stdout
	}
	start := time.Now()
	var results []*Result
	for _, seed := range seeds {
		p := NewPlan(seed, demo, estate)
		t.Run(fmt.Sprintf("seed=%d/%s", seed, p.Scenario.Name), func(t *testing.T) {
			res, err := r.Run(ctx, tmp, p)
			if err != nil {
				t.Fatalf("%s: the trial could not run: %v", p, err)
			}
			results = append(results, res)
			fmt.Print(res.Report())
			if !res.Converged() {
				t.Errorf("did not converge; rerun with %s=%d", envSeed, seed)
			}
		})
	}
	fmt.Print(figures(results, len(seeds), time.Since(start)))
}

// trialSeeds are the seeds of the trials to run, from the environment.
func trialSeeds() ([]int64, error) {
	if s := os.Getenv(envSeed); s != "" {
		seed, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s=%q is not a number", envSeed, s)
		}
		return []int64{seed}, nil
	}
	n, err := envInt(envTrials, defaultTrials)
	if err != nil {
		return nil, err
	}
	base, err := envInt(envBaseSeed, 1)
	if err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, fmt.Errorf("%s must be at least 1", envTrials)
	}
	seeds := make([]int64, n)
	for i := range seeds {
		seeds[i] = int64(base + i)
	}
	return seeds, nil
}

func envInt(name string, def int) (int, error) {
	s := os.Getenv(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%s=%q is not a number", name, s)
	}
	return n, nil
}

// buildProvider builds the provider from this module into dir (without -race: terraform runs it).
func buildProvider(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "terraform-provider-oktasf")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the provider: %v\n%s", err, out)
	}
	return bin
}

// figures sums up the trials, one "chaos: <key> = <value>" line each; trials counts those that could not
// run as well (they are not converged).
func figures(results []*Result, trials int, wall time.Duration) string {
	converged, maxApplies, requests, kills, crashes, faults := 0, 0, 0, 0, 0, 0
	byKind := map[string]int{}
	perScenario := map[string][]time.Duration{}
	for _, r := range results {
		if r.Converged() {
			converged++
		}
		if r.AppliesNeeded == 0 {
			maxApplies = maxCleanApplies + 1 // none of the clean applies succeeded
		} else if maxApplies <= maxCleanApplies {
			maxApplies = max(maxApplies, r.AppliesNeeded)
		}
		requests += r.Requests
		if r.Disrupted && r.Plan.Disruption == KillTerraform {
			kills++
		}
		crashes += r.Crashes
		for k, n := range r.Injected {
			byKind[k] += n
			faults += n
		}
		perScenario[r.Plan.Scenario.Name] = append(perScenario[r.Plan.Scenario.Name], r.Wall)
	}
	var b strings.Builder
	line := func(key string, v any) { fmt.Fprintf(&b, "chaos: %s = %v\n", key, v) }
	b.WriteString("\n")
	var failed []string
	for _, r := range results {
		if !r.Converged() {
			failed = append(failed, strconv.FormatInt(r.Plan.Seed, 10))
		}
	}
	line("trials", trials)
	line("converged", converged)
	if len(failed) > 0 {
		line("not_converged_seeds", strings.Join(failed, " "))
	}
	line("applies_needed_max", appliesText(min(maxApplies, maxCleanApplies+1)%(maxCleanApplies+1)))
	line("faults_injected", faults)
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		line("faults_injected."+k, byKind[k])
	}
	line("requests", requests)
	line("terraform_kills", kills)
	line("sandbox_crashes", crashes)
	names := make([]string, 0, len(perScenario))
	for n := range perScenario {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		var sum, longest time.Duration
		for _, d := range perScenario[n] {
			sum += d
			longest = max(longest, d)
		}
		line("trial_s."+n+".mean", fmt.Sprintf("%.1f", (sum/time.Duration(len(perScenario[n]))).Seconds()))
		line("trial_s."+n+".max", fmt.Sprintf("%.1f", longest.Seconds()))
	}
	line("wall_s", fmt.Sprintf("%.0f", wall.Seconds()))

	// What kept trials from converging, by cause: each is a bug of the provider (or of the sandbox).
	seeds := map[string][]string{}
	for _, r := range results {
		for _, c := range r.Causes() {
			seeds[c] = append(seeds[c], strconv.FormatInt(r.Plan.Seed, 10))
		}
	}
	causes := make([]string, 0, len(seeds))
	for c := range seeds {
		causes = append(causes, c)
	}
	sort.Slice(causes, func(i, j int) bool {
		if len(seeds[causes[i]]) != len(seeds[causes[j]]) {
			return len(seeds[causes[i]]) > len(seeds[causes[j]])
		}
		return causes[i] < causes[j]
	})
	for _, c := range causes {
		fmt.Fprintf(&b, "chaos: failure in %d trials (seeds %s): %s\n", len(seeds[c]), strings.Join(seeds[c], " "), c)
	}
	return b.String()
}
