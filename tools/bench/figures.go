package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// kind says how a README figure is checked against a run of the bench.
type kind int

const (
	// exact: request counts and sizes; a run without latency reproduces them (latency delays responses, it
	// does not change what is asked).
	exact kind = iota
	// walkOrder: a request count that depends on the order in which Terraform's parallel walk reaches the
	// resources; it must stay within the figure's tolerance.
	walkOrder
	// timing: wall time on the machine and date of the README's `measured` line; no other machine reproduces
	// it, so the check asks only that the bench prints the key and that the README quotes its own block.
	timing
	// condition: the latency the README's timings were measured with (the check itself runs without).
	condition
	// label: date and machine of the README's run.
	label
)

// figure is one line of the bench's machine-readable block, "bench: <key> = <value>".
type figure struct {
	key  string
	kind kind
	// tolerance bounds |README - run| for walkOrder counts.
	tolerance int
	// size is the estate size (Okta users) of a scale figure, 0 for the others: a run whose -scale leaves the
	// size out does not measure it, and the check lists it as not checked.
	size int
	// providerCPU marks the provider's CPU time, which needs /proc: a run without it lists it as not checked.
	providerCPU bool
}

// figures is every figure the bench prints, in the order it prints them. The README's block holds exactly
// these keys: a figure no run produces cannot be quoted, and a new figure must be recorded.
var figures = slices.Concat([]figure{
	{key: "measured", kind: label},
	{key: "latency_ms", kind: condition},
	{key: "demo.apply.requests", kind: exact},
	{key: "demo.apply.wall_s", kind: timing},
	{key: "demo.plan.requests", kind: exact},
	{key: "demo.plan.wall_s", kind: timing},
	{key: "scale.groups", kind: exact},
	{key: "scale.mappings", kind: exact},
	{key: "scale.bindings", kind: exact},
}, scaleFigures(scaleSizes), []figure{
	{key: "mappings.mappings", kind: exact},
	{key: "mappings.users", kind: exact},
	{key: "mappings.apply.requests", kind: exact},
	{key: "mappings.apply.wall_s", kind: timing},
	{key: "mappings.plan.requests", kind: exact},
	{key: "mappings.plan.wall_s", kind: timing},
	{key: "provisioning.users", kind: exact},
	{key: "provisioning.apply.salesforce_requests", kind: exact},
	{key: "provisioning.apply.wall_s", kind: timing},
	{key: "provisioning.first_plan.requests", kind: exact},
	{key: "provisioning.plan.requests", kind: exact},
	{key: "provisioning.plan.wall_s", kind: timing},
	{key: "rotation.salesforce_calls", kind: exact},
	{key: "rotation.window_ms", kind: timing},
})

// scaleFigures are the figures of the scale table at each size: per command, its requests, wall time and
// the CPU time of the provider, of terraform and of the sandbox.
//
// Bindings look up their members' Federation IDs through a shared cache, each querying only the IDs no
// binding before it asked for, in batches of up to 300: how the IDs fall into batches depends on the order
// Terraform reaches the bindings in, so every request count of the estate is a walkOrder count. At 5,000
// users nine runs on one machine gave no-change plans of 117 to 120 requests and first applies of 366 or
// 367; the tolerance is twice the widest spread seen. At 50,000 users more IDs fall into more batches.
func scaleFigures(sizes []int) []figure {
	var out []figure
	for _, n := range sizes {
		tolerance := 6
		if n > 5000 {
			tolerance = 12
		}
		for _, p := range scalePhases {
			prefix := fmt.Sprintf("scale.%d.%s.", n, p.key)
			out = append(out,
				figure{key: prefix + "requests", kind: walkOrder, tolerance: tolerance, size: n},
				figure{key: prefix + "wall_s", kind: timing, size: n},
				figure{key: prefix + "provider_cpu_s", kind: timing, size: n, providerCPU: true},
				figure{key: prefix + "terraform_cpu_s", kind: timing, size: n},
				figure{key: prefix + "sandbox_cpu_s", kind: timing, size: n})
		}
	}
	return out
}

// scope is what a run set out to measure: the estate sizes of its -scale, and whether /proc gave it the
// provider's CPU time. The check does not ask a run for the figures outside its scope.
type scope struct {
	sizes       map[int]bool
	providerCPU bool
}

func newScope(sizes []int) scope {
	sc := scope{sizes: map[int]bool{}, providerCPU: true}
	for _, n := range sizes {
		sc.sizes[n] = true
	}
	return sc
}

// measures reports whether a run of this scope produces figure f.
func (sc scope) measures(f figure) bool {
	return (f.size == 0 || sc.sizes[f.size]) && (!f.providerCPU || sc.providerCPU)
}

// quotes are the README's sentences that quote figures, "{key}" standing for a figure's value. Whitespace
// in a quote matches any run of whitespace, so the README may wrap lines anywhere.
var quotes = []string{
	"learns the new certificate {rotation.salesforce_calls} Salesforce API calls after Okta starts signing with it " +
		"({rotation.window_ms} ms against the sandbox with {latency_ms} ms latency per request)",
	"a generated estate of {scale.mappings} group mappings and {scale.bindings} permission-set bindings over " +
		"5,000 users: the first apply takes {scale.5000.apply.requests} requests and a no-change plan " +
		"{scale.5000.plan.requests} (Okta and Salesforce together",
	"at 50,000 users the no-change plan takes {scale.50000.plan.requests} requests and " +
		"{scale.50000.plan.provider_cpu_s} s of the provider's CPU time ({scale.5000.plan.provider_cpu_s} s at 5,000)",
	"One app with {mappings.mappings} group mappings over {mappings.users} users takes {mappings.apply.requests} " +
		"requests to apply and {mappings.plan.requests} to plan again",
	"Provisioning {provisioning.users} users takes {provisioning.apply.salesforce_requests} Salesforce requests",
	"with {latency_ms} ms latency per request, for the demo",
}

const (
	blockBegin = "<!-- bench:begin"
	blockEnd   = "<!-- bench:end -->"
	linePrefix = "bench: "
)

// values are figures by key, as printed.
type values map[string]string

// block renders v as the bench prints it.
func (v values) block() string {
	var b strings.Builder
	for _, f := range figures {
		if val, ok := v[f.key]; ok {
			fmt.Fprintf(&b, "%s%s = %s\n", linePrefix, f.key, val)
		}
	}
	return b.String()
}

func (v values) setInt(key string, n int) { v[key] = strconv.Itoa(n) }

func (v values) setSeconds(key string, d time.Duration) {
	v[key] = strconv.FormatFloat(d.Seconds(), 'f', 1, 64)
}

// setCPU records a CPU time in seconds with two decimals: a plan's CPU time is often under a second.
func (v values) setCPU(key string, d time.Duration) {
	v[key] = strconv.FormatFloat(d.Seconds(), 'f', 2, 64)
}

func (v values) setMillis(key string, d time.Duration) {
	v[key] = strconv.FormatInt(d.Round(time.Millisecond).Milliseconds(), 10)
}

// measuredLabel is the value of the `measured` figure: the date and the machine of this run.
func measuredLabel(now time.Time, goos, goarch string, cpus int) string {
	return fmt.Sprintf("%s on %s/%s with %d CPUs", now.UTC().Format(time.DateOnly), goos, goarch, cpus)
}

var (
	lineRE  = regexp.MustCompile(`^` + linePrefix + `(\S+) = (.+)$`)
	placeRE = regexp.MustCompile(`\{([a-z0-9_.]+)\}`)
	labelRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} on \S+/\S+ with \d+ CPUs$`)
)

// readmeBlock returns the figures of the README's bench block and the byte range of the block's body.
func readmeBlock(readme string) (values, int, int, error) {
	begin := strings.Index(readme, blockBegin)
	if begin < 0 {
		return nil, 0, 0, fmt.Errorf("no %q marker", blockBegin)
	}
	begin += strings.Index(readme[begin:], "\n") + 1
	end := strings.Index(readme[begin:], blockEnd)
	if end < 0 {
		return nil, 0, 0, fmt.Errorf("no %q marker after %q", blockEnd, blockBegin)
	}
	end += begin
	v := values{}
	for _, line := range strings.Split(readme[begin:end], "\n") {
		if m := lineRE.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			if _, dup := v[m[1]]; dup {
				return nil, 0, 0, fmt.Errorf("figure %s appears twice", m[1])
			}
			v[m[1]] = m[2]
		}
	}
	return v, begin, end, nil
}

// quoteRE matches quote in the README, capturing the value of each placeholder.
func quoteRE(quote string) (*regexp.Regexp, []string) {
	var keys []string
	var re strings.Builder
	last := 0
	for _, m := range placeRE.FindAllStringSubmatchIndex(quote, -1) {
		re.WriteString(literalRE(quote[last:m[0]]))
		re.WriteString(`([0-9][0-9,]*(?:\.[0-9]+)?)`)
		keys = append(keys, quote[m[2]:m[3]])
		last = m[1]
	}
	re.WriteString(literalRE(quote[last:]))
	return regexp.MustCompile(re.String()), keys
}

func literalRE(s string) string {
	parts := strings.Fields(s)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	out := strings.Join(parts, `\s+`)
	if strings.HasPrefix(s, " ") {
		out = `\s+` + out
	}
	if strings.HasSuffix(s, " ") && len(parts) > 0 {
		out += `\s+`
	}
	return out
}

// prose renders a figure's value for a sentence: thousands separated, as the README writes 5,000.
func prose(val string) string {
	if n, err := strconv.Atoi(val); err == nil && n >= 1000 {
		s := strconv.Itoa(n)
		var b strings.Builder
		for i, c := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(c)
		}
		return b.String()
	}
	return val
}

// checkREADME returns every disagreement between the README and itself: a block that does not hold exactly
// the bench's keys, a sentence that quotes another value than the block, a rotation window shorter than its
// calls can take.
func checkREADME(readme string) (values, []string) {
	v, _, _, err := readmeBlock(readme)
	if err != nil {
		return nil, []string{err.Error()}
	}
	var problems []string
	known := map[string]bool{}
	for _, f := range figures {
		known[f.key] = true
		val, ok := v[f.key]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("the bench block lacks %s (run make bench-readme)", f.key))
		case f.kind == label && !labelRE.MatchString(val):
			problems = append(problems, fmt.Sprintf("measured = %q: want \"YYYY-MM-DD on os/arch with N CPUs\"", val))
		case f.kind != label && !isNumber(val):
			problems = append(problems, fmt.Sprintf("%s = %q is not a number", f.key, val))
		}
	}
	for _, k := range sortedKeys(v) {
		if !known[k] {
			problems = append(problems, fmt.Sprintf("the bench block quotes %s, which the bench does not produce", k))
		}
	}
	for _, q := range quotes {
		re, keys := quoteRE(q)
		m := re.FindStringSubmatch(readme)
		if m == nil {
			problems = append(problems, fmt.Sprintf("the README does not say %q (with each {figure} a number)", q))
			continue
		}
		for i, k := range keys {
			if got, want, ok := strings.ReplaceAll(m[i+1], ",", ""), v[k], v[k] != ""; ok && got != want {
				problems = append(problems, fmt.Sprintf("the README's text says %s = %s, its bench block %s", k, m[i+1], want))
			}
		}
	}
	// Each call of the rotation waits the injected latency, so the window cannot be shorter than that.
	calls, _ := strconv.Atoi(v["rotation.salesforce_calls"])
	latency, _ := strconv.Atoi(v["latency_ms"])
	if window, err := strconv.Atoi(v["rotation.window_ms"]); err == nil && window < calls*latency {
		problems = append(problems, fmt.Sprintf("rotation.window_ms = %d is shorter than %d calls of %d ms", window, calls, latency))
	}
	return v, problems
}

// compareRun returns every figure of the README that this run contradicts, and the figures it did not
// check: those outside the run's scope (sizes its -scale left out, the provider's CPU time without /proc),
// one line per reason. Run without latency, it can only reproduce request counts; timings need only exist
// in both.
func compareRun(readme, run values, sc scope) (problems, notChecked []string) {
	skipped := map[string][]string{} // reason → keys
	var reasons []string
	for _, f := range figures {
		want, inREADME := readme[f.key]
		got, inRun := run[f.key]
		if !inRun && !sc.measures(f) {
			reason := "the provider's CPU time (no /proc)"
			if f.size != 0 && !sc.sizes[f.size] {
				reason = fmt.Sprintf("%d users (-scale left it out)", f.size)
			}
			if _, seen := skipped[reason]; !seen {
				reasons = append(reasons, reason)
			}
			skipped[reason] = append(skipped[reason], f.key)
			continue
		}
		if !inRun {
			problems = append(problems, fmt.Sprintf("this run did not produce %s (run the bench with its default flags)", f.key))
			continue
		}
		if !inREADME {
			continue // reported by checkREADME
		}
		switch f.kind {
		case exact:
			if got != want {
				problems = append(problems, fmt.Sprintf("README: %s = %s, this run: %s", f.key, want, got))
			}
		case walkOrder:
			w, errW := strconv.Atoi(want)
			g, errG := strconv.Atoi(got)
			if errW != nil || errG != nil || math.Abs(float64(w-g)) > float64(f.tolerance) {
				problems = append(problems, fmt.Sprintf("README: %s = %s, this run: %s (allowed: ±%d, the walk's order)", f.key, want, got, f.tolerance))
			}
		}
	}
	for _, r := range reasons {
		notChecked = append(notChecked, fmt.Sprintf("%s: %d figures, %s", r, len(skipped[r]), strings.Join(skipped[r], ", ")))
	}
	return problems, notChecked
}

// updateREADME writes run into the README's block and sentences.
func updateREADME(readme string, run values) (string, error) {
	_, begin, end, err := readmeBlock(readme)
	if err != nil {
		return "", err
	}
	readme = readme[:begin] + "```text\n" + run.block() + "```\n" + readme[end:]
	for _, q := range quotes {
		re, keys := quoteRE(q)
		loc := re.FindStringSubmatchIndex(readme)
		if loc == nil {
			return "", fmt.Errorf("the README does not say %q: edit the sentence or tools/bench's quotes", q)
		}
		var b strings.Builder
		last := loc[0]
		b.WriteString(readme[:last])
		for i, k := range keys {
			val, ok := run[k]
			if !ok {
				return "", fmt.Errorf("this run did not produce %s", k)
			}
			b.WriteString(readme[last:loc[2*i+2]])
			b.WriteString(prose(val))
			last = loc[2*i+3]
		}
		b.WriteString(readme[last:])
		readme = b.String()
	}
	return readme, nil
}

// checkAgainstREADME fails unless the README at path agrees with itself and with run; it returns the
// figures it did not check (compareRun).
func checkAgainstREADME(path string, run values, sc scope) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v, problems := checkREADME(string(b))
	var notChecked []string
	if v != nil {
		var more []string
		more, notChecked = compareRun(v, run, sc)
		problems = append(problems, more...)
	}
	if len(problems) > 0 {
		return notChecked, errors.New(path + " disagrees with the bench:\n  " + strings.Join(problems, "\n  ") +
			"\nrun make bench-readme to record a new run, and commit the README")
	}
	return notChecked, nil
}

// writeREADME records run in the README at path.
func writeREADME(path string, run values) error {
	for _, f := range figures {
		if _, ok := run[f.key]; !ok {
			return fmt.Errorf("this run did not produce %s: the README records every figure, so -update-readme needs a run with the default -scale and scenarios", f.key)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := updateREADME(string(b), run)
	if err != nil {
		return err
	}
	if _, problems := checkREADME(out); len(problems) > 0 {
		return errors.New("the updated README would disagree with itself:\n  " + strings.Join(problems, "\n  "))
	}
	return os.WriteFile(path, []byte(out), 0o644)
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func sortedKeys(v values) []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
