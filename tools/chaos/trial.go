package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
	"github.com/oktasf/terraform-provider-oktasf/tools/tfrun"
)

// Disruption is what a trial does to a running apply besides faults.
type Disruption string

// Disruptions.
const (
	NoDisruption  Disruption = "none"
	KillTerraform Disruption = "kill_terraform" // SIGKILL of terraform's process group
	CrashSandbox  Disruption = "crash_sandbox"  // the sandbox crashes after a write and restarts from its state file
)

const (
	// maxCleanApplies is how many applies after the faults stop may be needed to converge.
	maxCleanApplies = 3
	// maxChaosApplies is how many applies under faults a trial runs at most to reach its disruption point.
	maxChaosApplies = 3
)

// Plan is what a trial injects, drawn from its seed alone.
type Plan struct {
	Seed     int64
	Scenario *Scenario
	// Faults are the fault rules during the chaotic applies (none: only the disruption).
	Faults []emu.Fault
	// FaultService is the service prefix the faults are limited to: "" (both services), "okta" or
	// "salesforce" (every org). With Okta healthy, the Salesforce side (provisioning, bindings) gets further.
	FaultService string
	// ChaosApplies is how many applies run under faults before the clean ones.
	ChaosApplies int
	Disruption   Disruption
	// DisruptAt is when the disruption happens: for a kill, the number of requests of the disrupted apply;
	// for a crash, the number of its writes (the crash comes after that write is durable, before its answer).
	DisruptAt int
	// CrashDowntime is how long a crashed sandbox stays down.
	CrashDowntime time.Duration
}

// Faults of the measurement in the issue: 10% 5xx, 10% connection resets and 5% 429s (on both services, or
// on one of them).
// The control plane takes the first rule that fires, so each later rule's rate is conditional on the
// earlier ones not firing; these rates make the shares of all requests the stated ones.
func baseFaults() []emu.Fault {
	return []emu.Fault{
		{Kind: emu.FaultServerError, Rate: 0.10},
		{Kind: emu.FaultConnReset, Rate: 0.10 / 0.90},
		{Kind: emu.FaultRateLimit, Rate: 0.05 / 0.80},
	}
}

// faultMix is the mix of baseFaults and lost responses, as shares of all requests (of writes for lost ones).
const faultMix = "5xx 10%, reset 10%, 429 5%, lost_response 10% of writes"

// NewPlan draws a trial's faults and disruption from seed. Trials whose seed is 4 mod 5 apply the estate,
// the others the demo, so that a seed alone reproduces a trial.
func NewPlan(seed int64, demo, estate *Scenario) Plan {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6368616f73)) // "chaos"
	p := Plan{Seed: seed, Scenario: demo, ChaosApplies: 1}
	if seed%5 == 4 {
		p.Scenario = estate
	}
	withFaults := true
	switch d := rng.IntN(10); {
	case d < 4:
		// Under faults an apply stops at its first failed create; later applies get further.
		p.Disruption = NoDisruption
		p.ChaosApplies = 2 + rng.IntN(2)
	case d < 7:
		p.Disruption = KillTerraform
		withFaults = rng.IntN(3) > 0
	default:
		p.Disruption = CrashSandbox
		withFaults = rng.IntN(3) > 0
		p.CrashDowntime = time.Duration(50+rng.IntN(450)) * time.Millisecond
	}
	if withFaults && p.Disruption != NoDisruption {
		p.ChaosApplies = 1 + rng.IntN(2) // the disrupted apply is the last
	}
	switch p.Disruption {
	case KillTerraform:
		p.DisruptAt = 1 + rng.IntN(max(1, p.Scenario.Requests*9/10))
	case CrashSandbox:
		p.DisruptAt = 1 + rng.IntN(max(1, p.Scenario.Writes))
	}
	if withFaults {
		p.FaultService = []string{"", "", "okta", "salesforce"}[rng.IntN(4)]
		p.Faults = baseFaults()
		// Lost answers matter for writes; their rules come first so that they keep their share.
		for _, method := range []string{"DELETE ", "PATCH ", "PUT ", "POST "} {
			p.Faults = append([]emu.Fault{{Kind: emu.FaultLostResponse, Route: method, Rate: 0.10}}, p.Faults...)
		}
		for i := range p.Faults {
			p.Faults[i].Service = p.FaultService
		}
	}
	return p
}

// String is the plan in one line.
func (p Plan) String() string {
	faults := "none"
	switch {
	case len(p.Faults) > 0 && p.FaultService == "":
		faults = faultMix + " on both services"
	case len(p.Faults) > 0:
		faults = faultMix + " on " + p.FaultService + " only"
	}
	s := fmt.Sprintf("seed=%d scenario=%s faults=[%s] chaos_applies=%d disruption=%s", p.Seed, p.Scenario.Name, faults, p.ChaosApplies, p.Disruption)
	switch p.Disruption {
	case KillTerraform:
		s += fmt.Sprintf(" at request %d", p.DisruptAt)
	case CrashSandbox:
		s += fmt.Sprintf(" after write %d, down %s", p.DisruptAt, p.CrashDowntime)
	}
	return s
}

// Result is what one trial measured.
type Result struct {
	Plan Plan
	// Injected counts the faults injected by kind.
	Injected map[string]int
	// Requests is every request the sandbox served (chaotic and clean applies, plan).
	Requests int
	// Disrupted reports whether the disruption happened (an apply may end before its point), and when.
	Disrupted      bool
	DisruptedAfter time.Duration
	Crashes        int
	// CrashedOn is the request whose change the sandbox saved before it crashed instead of answering.
	CrashedOn string
	// ChaosAppliesRun is how many applies ran under faults.
	ChaosAppliesRun int
	// ChaosErrors are the first lines of the errors of the applies under faults (expected; for the note).
	ChaosErrors []string
	// AppliesNeeded is the number of clean applies until one succeeded; 0 when none of three did.
	AppliesNeeded int
	// ApplyErrors are the first lines of the errors of clean applies that failed.
	ApplyErrors []string
	// PlanChanges lists what the final plan wants to change; PlanError is set when it failed.
	PlanChanges []string
	PlanError   string
	// CheckFailures are the differences between the sandbox and the configuration.
	CheckFailures []string
	Wall          time.Duration
}

// Converged reports whether the trial met every condition.
func (r *Result) Converged() bool {
	return r.AppliesNeeded > 0 && len(r.PlanChanges) == 0 && r.PlanError == "" && len(r.CheckFailures) == 0
}

// Runner runs trials with one provider build.
type Runner struct {
	Provider string
	// Log receives terraform's output (io.Discard to keep quiet).
	Log io.Writer
	// TrialTimeout bounds a trial (0: 10 minutes).
	TrialTimeout time.Duration
}

// env is one trial's sandbox (replaced when it crashes) and terraform workspace.
type env struct {
	dir  string
	opts sandbox.Options
	ws   *tfrun.Workspace

	mu       sync.Mutex
	sb       *sandbox.Sandbox
	requests int            // served by sandboxes that have crashed since
	injected map[string]int // injected by sandboxes that have crashed since
	faults   []emu.Fault    // the rules in force, re-installed after a restart
}

func (e *env) sandbox() *sandbox.Sandbox { e.mu.Lock(); defer e.mu.Unlock(); return e.sb }

// served is the number of requests every sandbox of the trial has served so far.
func (e *env) served() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.requests + e.sb.Control().Stats().Total
}

func (e *env) setFaults(fs []emu.Fault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.collectInjectedLocked()
	e.faults = fs
	for _, f := range fs {
		e.sb.Control().AddFault(f)
	}
}

// collectInjectedLocked moves the live sandbox's injection counts into e.injected and clears its rules.
func (e *env) collectInjectedLocked() {
	for _, f := range e.sb.Control().Faults() {
		e.injected[f.Kind] += f.Injected
	}
	e.sb.Control().ClearFaults()
}

// Run runs one trial in a fresh sandbox and working directory under tmp.
func (r *Runner) Run(ctx context.Context, tmp string, p Plan) (*Result, error) {
	start := time.Now()
	timeout := r.TrialTimeout
	if timeout == 0 {
		timeout = 10 * time.Minute
	}
	// A terraform that never ends (waiting on a sandbox that does not answer) is killed with its plugins,
	// and the trial reports what it got to.
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res := &Result{Plan: p}
	e, cleanup, err := r.open(ctx, tmp, p)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	base, err := TakeSnapshot(e.sandbox())
	if err != nil {
		return nil, err
	}

	// Chaos: applies under faults, one of them disrupted. Their failures are expected.
	// An apply that fails early under faults may end before its disruption point: then the next apply
	// (which starts from what that one left) is disrupted instead, up to maxChaosApplies in all.
	e.setFaults(p.Faults)
	for i := 0; i < p.ChaosApplies || (p.Disruption != NoDisruption && !res.Disrupted && i < maxChaosApplies); i++ {
		disrupt := p.Disruption != NoDisruption && i >= p.ChaosApplies-1
		out, err := r.chaosApply(ctx, e, p, disrupt, res)
		if errors.Is(err, errRestart) {
			return nil, err
		}
		res.ChaosAppliesRun++
		if err != nil && !res.Disrupted {
			res.ChaosErrors = append(res.ChaosErrors, firstErrorLines(out, 3)...)
		}
	}
	e.setFaults(nil)

	// Convergence: at most three clean applies, then an empty plan.
	for i := 1; i <= maxCleanApplies; i++ {
		run, err := e.ws.Start(ctx, "apply", "-auto-approve", "-no-color")
		if err != nil {
			return nil, err
		}
		if _, err := run.Wait(); err == nil {
			res.AppliesNeeded = i
			break
		}
		res.ApplyErrors = append(res.ApplyErrors, fmt.Sprintf("clean apply %d: %s", i, strings.Join(firstErrorLines(run.Output(), 6), " | ")))
	}
	plan, err := e.ws.Start(ctx, "plan", "-detailed-exitcode", "-no-color")
	if err != nil {
		return nil, err
	}
	_, _ = plan.Wait()
	switch plan.ExitCode() {
	case 0:
	case 2:
		res.PlanChanges = planChanges(plan.Output())
		if len(res.PlanChanges) == 0 {
			res.PlanChanges = []string{"(the plan is not empty; see its output)"}
		}
	default:
		res.PlanError = strings.Join(firstErrorLines(plan.Output(), 6), " | ")
	}

	// The sandbox, not Terraform's state, decides whether the trial converged.
	now, err := TakeSnapshot(e.sandbox())
	if err != nil {
		return nil, err
	}
	tf, err := ReadTerraformState(e.ws.Dir)
	if err != nil {
		res.CheckFailures = append(res.CheckFailures, "read terraform state: "+err.Error())
	}
	res.CheckFailures = append(res.CheckFailures, Check(p.Scenario.Want, base, now, tf)...)

	e.mu.Lock()
	e.collectInjectedLocked()
	res.Injected, res.Requests = e.injected, e.requests+e.sb.Control().Stats().Total
	e.mu.Unlock()
	res.Wall = time.Since(start)
	return res, nil
}

// open starts the trial's sandbox with a state file (so that it can come back after a crash) and
// initialises the workspace.
func (r *Runner) open(ctx context.Context, tmp string, p Plan) (*env, func(), error) {
	dir, err := os.MkdirTemp(tmp, fmt.Sprintf("seed%d-", p.Seed))
	if err != nil {
		return nil, nil, err
	}
	e := &env{dir: dir, injected: map[string]int{}, opts: sandbox.Options{Listen: "127.0.0.1:0", StatePath: filepath.Join(dir, "sandbox.json")}}
	if p.Scenario.Seed != nil {
		if e.opts.Seed, err = p.Scenario.Seed(); err != nil {
			return nil, nil, err
		}
	}
	if e.sb, err = sandbox.Start(e.opts); err != nil {
		return nil, nil, err
	}
	cleanup := func() {
		if sb := e.sandbox(); sb != nil {
			_ = sb.Close()
		}
		_ = os.RemoveAll(dir)
	}
	config := filepath.Join(dir, "config")
	if err := os.MkdirAll(config, 0o755); err != nil {
		cleanup()
		return nil, nil, err
	}
	if err := p.Scenario.WriteConfig(config); err != nil {
		cleanup()
		return nil, nil, err
	}
	if e.ws, err = tfrun.NewWorkspace(dir, config, filepath.Join(dir, "work"), r.Provider); err != nil {
		cleanup()
		return nil, nil, err
	}
	e.ws.Stdout, e.ws.Stderr = r.Log, r.Log
	if e.ws.Env, err = e.sb.Info().TerraformVariables(); err != nil {
		cleanup()
		return nil, nil, err
	}
	if _, err := e.ws.Terraform(ctx, "init", "-no-color"); err != nil {
		cleanup()
		return nil, nil, err
	}
	e.sb.Control().ResetStats()
	return e, cleanup, nil
}

// chaosApply runs one apply under the faults in force; with disrupt, it kills terraform once the apply has
// made p.DisruptAt requests, or lets the sandbox crash after the apply's p.DisruptAt-th write and restarts it.
func (r *Runner) chaosApply(ctx context.Context, e *env, p Plan, disrupt bool, res *Result) (string, error) {
	before := e.served()
	sb := e.sandbox()
	if disrupt && p.Disruption == CrashSandbox {
		sb.Control().KillAfter(emu.KillRule{WritesOnly: true, After: p.DisruptAt})
	}
	run, err := e.ws.Start(ctx, "apply", "-auto-approve", "-no-color")
	if err != nil {
		return "", err
	}
	switch {
	case disrupt && p.Disruption == KillTerraform:
		tick := time.NewTicker(2 * time.Millisecond)
	watch:
		for {
			select {
			case <-run.Done():
				break watch
			case <-tick.C:
				if e.served()-before >= p.DisruptAt {
					res.DisruptedAfter = run.Elapsed()
					res.Disrupted = run.Kill()
					break watch
				}
			}
		}
		tick.Stop()
	case disrupt && p.Disruption == CrashSandbox:
		select {
		case <-run.Done():
			sb.Control().ClearKillRules()
		case <-sb.Killed():
			res.DisruptedAfter = run.Elapsed()
			res.Disrupted = true
			res.Crashes++
			for _, entry := range sb.Control().Journal() {
				if entry.Fault == emu.JournalKilled {
					res.CrashedOn = entry.Service + " " + entry.Route
				}
			}
			time.Sleep(p.CrashDowntime)
			if err := e.restart(); err != nil {
				run.Kill()
				_, _ = run.Wait()
				return run.Output(), err
			}
		}
	}
	_, err = run.Wait()
	return run.Output(), err
}

// errRestart is the harness's own failure to bring a crashed sandbox back: the trial cannot go on.
var errRestart = errors.New("restart the sandbox after its crash")

// restart brings a crashed sandbox back from its state file on the same addresses, with the fault rules
// in force.
func (e *env) restart() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.collectInjectedLocked()
	e.requests += e.sb.Control().Stats().Total
	var (
		sb  *sandbox.Sandbox
		err error
	)
	for attempt := 0; attempt < 50; attempt++ { // the crashed listeners may take a moment to close
		if sb, err = e.sb.Restart(); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("%w: %v", errRestart, err)
	}
	e.sb = sb
	for _, f := range e.faults {
		sb.Control().AddFault(f)
	}
	return nil
}

var (
	errorLine  = regexp.MustCompile(`^[│\s]*Error: (.*)$`)
	withLine   = regexp.MustCompile(`^with (.*),$`)
	sourceLine = regexp.MustCompile(`^(on .* line \d+|\d+:)`)
)

// firstErrorLines returns each error of terraform's output in one line: summary, the resource it is about,
// and up to n lines of its detail.
func firstErrorLines(out string, n int) []string {
	lines := strings.Split(out, "\n")
	var errs []string
	for i := 0; i < len(lines); i++ {
		m := errorLine.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		text, detail := strings.TrimSpace(m[1]), 0
		for i++; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), "╵") && !errorLine.MatchString(lines[i]); i++ {
			l := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(lines[i]), "│"))
			switch {
			case l == "" || sourceLine.MatchString(l):
			case withLine.MatchString(l):
				text += " [" + withLine.FindStringSubmatch(l)[1] + "]"
			case detail == 0:
				text += ": " + l // the detail: terraform wraps it, so its lines are one text
				detail++
			case detail < n:
				text += " " + l
				detail++
			}
		}
		i--
		errs = append(errs, text)
	}
	if len(errs) == 0 {
		// Killed, or an error before terraform's own reporting: the last line says what happened.
		if t := strings.TrimSpace(out); t != "" {
			all := strings.Split(t, "\n")
			errs = append(errs, strings.TrimSpace(all[len(all)-1]))
		}
	}
	return dedupe(errs)
}

var planLine = regexp.MustCompile(`^\s*# (\S+) (will be|must be|has been) (.*)$`)

// planChanges lists the "# <address> will be …" lines of a plan.
func planChanges(out string) []string {
	var changes []string
	for _, l := range strings.Split(out, "\n") {
		if m := planLine.FindStringSubmatch(l); m != nil {
			changes = append(changes, m[1]+" "+m[2]+" "+m[3])
		}
	}
	return changes
}

func dedupe(items []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range items {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Report renders a result: one summary line and, for a trial that did not converge, why.
func (r *Result) Report() string {
	var b strings.Builder
	status := "converged"
	if !r.Converged() {
		status = "NOT CONVERGED"
	}
	fmt.Fprintf(&b, "chaos trial %s\n", r.Plan)
	disruption := ""
	switch {
	case r.Plan.Disruption == NoDisruption:
	case r.Disrupted && r.CrashedOn != "":
		disruption = fmt.Sprintf(", %s after %s on %s", r.Plan.Disruption, r.DisruptedAfter.Round(time.Millisecond), r.CrashedOn)
	case r.Disrupted:
		disruption = fmt.Sprintf(", %s after %s", r.Plan.Disruption, r.DisruptedAfter.Round(time.Millisecond))
	default:
		disruption = fmt.Sprintf(", %s did not happen (the apply ended first)", r.Plan.Disruption)
	}
	fmt.Fprintf(&b, "  %s: %d applies under faults, injected %s%s, %d requests, clean applies needed %s, %s\n", status, r.ChaosAppliesRun,
		formatCounts(r.Injected), disruption, r.Requests, appliesText(r.AppliesNeeded), r.Wall.Round(100*time.Millisecond))
	for i, e := range r.ChaosErrors {
		if i == 3 {
			fmt.Fprintf(&b, "    under faults (expected): %d more errors\n", len(r.ChaosErrors)-i)
			break
		}
		fmt.Fprintf(&b, "    under faults (expected): %s\n", e)
	}
	for _, e := range r.ApplyErrors {
		fmt.Fprintf(&b, "    FAILED %s\n", e)
	}
	for _, c := range r.PlanChanges {
		fmt.Fprintf(&b, "    PLAN NOT EMPTY: %s\n", c)
	}
	if r.PlanError != "" {
		fmt.Fprintf(&b, "    PLAN FAILED: %s\n", r.PlanError)
	}
	for _, c := range r.CheckFailures {
		fmt.Fprintf(&b, "    SANDBOX: %s\n", c)
	}
	return b.String()
}

func appliesText(n int) string {
	if n == 0 {
		return fmt.Sprintf("> %d", maxCleanApplies)
	}
	return strconv.Itoa(n)
}

func formatCounts(m map[string]int) string {
	var keys []string
	total := 0
	for k, n := range m {
		if n > 0 {
			keys = append(keys, k)
			total += n
		}
	}
	if total == 0 {
		return "no faults"
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return fmt.Sprintf("%d faults (%s)", total, strings.Join(parts, " "))
}

var (
	causeID     = regexp.MustCompile(`\b(?:0|exk)[0-9A-Za-z]{14,19}\b`) // Okta and Salesforce IDs
	causeAddr   = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	causeNumber = regexp.MustCompile(`\b\d+\b`)
	causeErrID  = regexp.MustCompile(`\[?errorId [^\]\s]+\]?`)
	causeQuoted = regexp.MustCompile(`"[^"]*"`)
)

// Causes are the reasons a trial did not converge, with IDs, ports and counts blanked out, so that the
// same bug seen in several trials reads the same.
func (r *Result) Causes() []string {
	if r.Converged() {
		return nil
	}
	var raw []string
	for _, e := range r.ApplyErrors {
		_, text, _ := strings.Cut(e, ": ")
		for _, part := range strings.Split(text, " | ") {
			raw = append(raw, "clean apply failed: "+part)
		}
	}
	if r.AppliesNeeded == 0 && len(r.ApplyErrors) == 0 {
		raw = append(raw, "no clean apply succeeded")
	}
	for _, c := range r.PlanChanges {
		raw = append(raw, "plan not empty: "+c)
	}
	if r.PlanError != "" {
		raw = append(raw, "plan failed: "+r.PlanError)
	}
	for _, c := range r.CheckFailures {
		// Names (labels, users) vary between trials of one bug; the shape of the difference does not.
		raw = append(raw, "sandbox: "+causeQuoted.ReplaceAllString(c, `"…"`))
	}
	out := make([]string, len(raw))
	for i, c := range raw {
		c = causeErrID.ReplaceAllString(c, "")
		c = causeAddr.ReplaceAllString(c, "<sandbox>")
		c = causeID.ReplaceAllString(c, "<id>")
		out[i] = causeNumber.ReplaceAllString(c, "N")
	}
	return dedupe(out)
}
