package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/seedgen"
)

// A run of some sizes (make bench-check's -scale 500,5000) lists the other sizes' figures as not checked,
// one line per size, and is not failed for them; a size it did run must still produce every figure.
func TestCompareRun_scope(t *testing.T) {
	t.Parallel()
	dropSize := func(v values, n string) {
		for k := range v {
			if strings.HasPrefix(k, "scale."+n+".") {
				delete(v, k)
			}
		}
	}
	for _, tc := range []struct {
		name           string
		sizes          []int
		noProc         bool
		edit           func(values)
		wantProblem    string
		wantNotChecked []string // one line each, by prefix
	}{
		{name: "every size", sizes: scaleSizes, edit: func(values) {}},
		{name: "50,000 left out", sizes: []int{500, 5000}, edit: func(v values) { dropSize(v, "50000") },
			wantNotChecked: []string{"50000 users (-scale left it out): 20 figures, scale.50000.apply.requests, scale.50000.apply.wall_s"}},
		{name: "only 5,000", sizes: []int{5000}, edit: func(v values) { dropSize(v, "500"); dropSize(v, "50000") },
			wantNotChecked: []string{"500 users (-scale left it out): 20 figures", "50000 users (-scale left it out): 20 figures"}},
		{name: "a size run but a figure missing", sizes: []int{500, 5000}, edit: func(v values) { dropSize(v, "50000"); delete(v, "scale.5000.membership.requests") },
			wantProblem: "this run did not produce scale.5000.membership.requests", wantNotChecked: []string{"50000 users"}},
		{name: "a size left out is still compared when measured", sizes: []int{500}, edit: func(v values) { v["scale.5000.plan.requests"] = "200" },
			wantProblem: "README: scale.5000.plan.requests = 119, this run: 200"},
		{name: "no /proc", sizes: scaleSizes, noProc: true, edit: func(v values) {
			for k := range v {
				if strings.HasSuffix(k, ".provider_cpu_s") {
					delete(v, k)
				}
			}
		}, wantNotChecked: []string{"the provider's CPU time (no /proc): 12 figures, scale.500.apply.provider_cpu_s"}},
		{name: "no /proc and a size left out", sizes: []int{500, 5000}, noProc: true, edit: func(v values) {
			dropSize(v, "50000")
			delete(v, "scale.500.plan.provider_cpu_s")
		}, wantNotChecked: []string{"the provider's CPU time (no /proc): 1 figures", "50000 users"}},
		{name: "provider CPU missing with /proc", sizes: scaleSizes, edit: func(v values) { delete(v, "scale.500.plan.provider_cpu_s") },
			wantProblem: "this run did not produce scale.500.plan.provider_cpu_s"},
		{name: "a figure of no size missing", sizes: []int{500}, edit: func(v values) { dropSize(v, "5000"); dropSize(v, "50000"); delete(v, "mappings.plan.requests") },
			wantProblem: "this run did not produce mappings.plan.requests", wantNotChecked: []string{"5000 users", "50000 users"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run := sampleRun()
			tc.edit(run)
			sc := newScope(tc.sizes)
			sc.providerCPU = !tc.noProc
			problems, notChecked := compareRun(sampleRun(), run, sc)
			got := strings.Join(problems, "\n")
			switch {
			case tc.wantProblem == "" && got != "":
				t.Errorf("problems: %s", got)
			case tc.wantProblem != "" && !strings.Contains(got, tc.wantProblem):
				t.Errorf("problems %q, want one containing %q", got, tc.wantProblem)
			}
			if len(notChecked) != len(tc.wantNotChecked) {
				t.Fatalf("not checked:\n%s\nwant %d lines starting %q", strings.Join(notChecked, "\n"), len(tc.wantNotChecked), tc.wantNotChecked)
			}
			for i, want := range tc.wantNotChecked {
				if !strings.HasPrefix(notChecked[i], want) {
					t.Errorf("not checked line %d = %q, want it to start %q", i, notChecked[i], want)
				}
			}
		})
	}
}

// Every size of -scale's default has its 20 figures, and the README quotes can name them (digits in keys).
func TestScaleFigures(t *testing.T) {
	t.Parallel()
	keys := map[string]figure{}
	for _, f := range figures {
		if _, dup := keys[f.key]; dup {
			t.Errorf("figure %s listed twice", f.key)
		}
		keys[f.key] = f
	}
	for _, n := range []string{"500", "5000", "50000"} {
		for _, p := range scalePhases {
			for _, col := range []string{"requests", "wall_s", "provider_cpu_s", "terraform_cpu_s", "sandbox_cpu_s"} {
				f, ok := keys["scale."+n+"."+p.key+"."+col]
				switch {
				case !ok:
					t.Errorf("no figure scale.%s.%s.%s", n, p.key, col)
				case f.size == 0:
					t.Errorf("%s has no size", f.key)
				case f.providerCPU != (col == "provider_cpu_s"):
					t.Errorf("%s: providerCPU = %v", f.key, f.providerCPU)
				}
			}
		}
	}
	if _, keys := quoteRE("{scale.50000.plan.provider_cpu_s} s"); !slices.Equal(keys, []string{"scale.50000.plan.provider_cpu_s"}) {
		t.Errorf("quote placeholders with digits: %v", keys)
	}
}

// -update-readme needs a run with every figure: a run of two sizes would drop the third from the README.
func TestWriteREADME_refusesAPartialRun(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "README.md")
	if err := os.WriteFile(path, []byte(skeleton()), 0o644); err != nil {
		t.Fatal(err)
	}
	run := sampleRun()
	delete(run, "scale.50000.plan.requests")
	if err := writeREADME(path, run); err == nil || !strings.Contains(err.Error(), "did not produce scale.50000.plan.requests") {
		t.Errorf("writeREADME of a partial run: %v", err)
	}
	if err := writeREADME(path, sampleRun()); err != nil {
		t.Errorf("writeREADME of a full run: %v", err)
	}
}

func TestParseSizes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]int{"500,5000,50000": {500, 5000, 50000}, " 500 , 5_000 ": {500, 5000}, "": nil, ",": nil} {
		if got, err := parseSizes(in); err != nil || !slices.Equal(got, want) {
			t.Errorf("parseSizes(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"0", "-5", "five", "500,500", "500;5000"} {
		if got, err := parseSizes(in); err == nil {
			t.Errorf("parseSizes(%q) = %v, want an error", in, got)
		}
	}
	if got := joinSizes(scaleSizes); got != "500,5000,50000" {
		t.Errorf("joinSizes = %q", got)
	}
}

func TestParseProcStat(t *testing.T) {
	t.Parallel()
	// Fields 14 and 15 are utime and stime; the command name may hold spaces and parentheses.
	rest := " S 1 4242 4242 0 -1 4194560 2935 0 0 0 150 27 0 0 20 0 12 0 123456 1403723776 9785 18446744073709551615\n"
	for _, tc := range []struct {
		name, stat string
		want       uint64
		wantErr    bool
	}{
		{"plain", "4242 (terraform-provi)" + rest, 177, false},
		{"name with spaces and parentheses", "4242 (a) b (c d)" + rest, 177, false},
		{"no name", "4242 terraform" + rest, 0, true},
		{"truncated", "4242 (x) S 1 4242 4242 0 -1 4194560 2935 0 0 0 150", 0, true},
		{"not a number", "4242 (x) S 1 4242 4242 0 -1 4194560 2935 0 0 0 150 x7 0", 0, true},
	} {
		got, err := parseProcStat(tc.stat)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("%s: parseProcStat = %d, %v; want %d (error %v)", tc.name, got, err, tc.want, tc.wantErr)
		}
	}
}

// On Linux this process's own stat parses, and its CPU time does not go backwards.
func TestProcCPU_self(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	a, err := procCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3_000_000; i++ {
		_ = strings.Repeat("x", i%7)
	}
	if b, err := procCPU(os.Getpid()); err != nil || b < a {
		t.Errorf("procCPU went from %s to %s (%v)", a, b, err)
	}
}

func TestParseReattachLine(t *testing.T) {
	t.Parallel()
	good := `{"registry.terraform.io/oktasf/oktasf":{"Protocol":"grpc","ProtocolVersion":6,"Pid":4242,"Test":true,"Addr":{"Network":"unix","String":"/tmp/plugin1"}}}`
	if got, err := parseReattachLine("\tTF_REATTACH_PROVIDERS='"+good+"'", 4242); err != nil || got != good {
		t.Errorf("parseReattachLine = %q, %v", got, err)
	}
	// The provider shell-quotes a single quote in the path as '"'"'.
	quoted := strings.Replace(good, "plugin1", `it'"'"'s`, 1)
	if got, err := parseReattachLine("\tTF_REATTACH_PROVIDERS='"+quoted+"'", 4242); err != nil || !strings.Contains(got, `"/tmp/it's"`) {
		t.Errorf("parseReattachLine of a quoted quote = %q, %v", got, err)
	}
	for name, line := range map[string]string{
		"another pid":      "\tTF_REATTACH_PROVIDERS='" + good + "'",
		"another provider": "\tTF_REATTACH_PROVIDERS='" + strings.Replace(good, "oktasf/oktasf", "hashicorp/tls", 1) + "'",
		"not quoted":       "\tTF_REATTACH_PROVIDERS=" + good,
		"not JSON":         "\tTF_REATTACH_PROVIDERS='{'",
		"no variable":      "Provider started.",
	} {
		pid := 4242
		if name == "another pid" {
			pid = 1
		}
		if got, err := parseReattachLine(line, pid); err == nil {
			t.Errorf("%s: parseReattachLine = %q, want an error", name, got)
		}
	}
}

func TestPlannedUpdates(t *testing.T) {
	t.Parallel()
	one := `
Note: Objects have changed outside of Terraform

  # oktasf_permission_set_binding.b["PS_001"] has changed
  # oktasf_permission_set_binding.b["PS_001"] will be updated in-place
  ~ resource "oktasf_permission_set_binding" "b" {
Plan: 0 to add, 1 to change, 0 to destroy.
`
	if updated, other := plannedUpdates(one); !slices.Equal(updated, []string{`oktasf_permission_set_binding.b["PS_001"]`}) || other {
		t.Errorf("plannedUpdates = %v, %v", updated, other)
	}
	more := one + "  # oktasf_group_mapping.m[\"m001\"] must be replaced\n  # oktasf_saml_app.bench will be updated in-place\n"
	if updated, other := plannedUpdates(more); len(updated) != 2 || !other {
		t.Errorf("plannedUpdates of a replacement and two updates = %v, %v", updated, other)
	}
	if s := planSummary(more); !strings.Contains(s, "must be replaced") || !strings.Contains(s, "Plan: 0 to add") || strings.Contains(s, "has changed") {
		t.Errorf("planSummary:\n%s", s)
	}
}

// The membership change's user is in none of the first binding's groups and has an active Salesforce user
// in qa without PS_001; the edited user is in group 1 with a Salesforce user in qa.
func TestEstateChanges(t *testing.T) {
	t.Parallel()
	e := estate{Users: 500, Groups: 60, Mappings: 40, Bindings: 20}
	seed, err := e.seed()
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.changes(seed)
	if err != nil {
		t.Fatal(err)
	}
	if c.group != seedgen.GroupName(1) || c.binding != `oktasf_permission_set_binding.b["PS_001"]` {
		t.Errorf("changes = %+v", c)
	}
	for _, g := range seed.Okta.Groups {
		bound := g.Name == seedgen.GroupName(1) || g.Name == seedgen.GroupName(21) || g.Name == seedgen.GroupName(41)
		if bound && slices.Contains(g.Members, c.mover) {
			t.Errorf("mover %s is already in %s", c.mover, g.Name)
		}
		if g.Name == seedgen.GroupName(1) && !slices.Contains(g.Members, c.edited) {
			t.Errorf("edited %s is not in %s", c.edited, g.Name)
		}
	}
	found := map[string]bool{}
	for _, u := range seed.Salesforce["qa"].Users {
		if u.FederationID == c.mover && slices.Contains(u.PermissionSets, "PS_001") {
			t.Errorf("mover %s already holds PS_001", c.mover)
		}
		found[u.FederationID] = true
	}
	if !found[c.mover] || !found[c.edited] {
		t.Errorf("no Salesforce user in qa for %s or %s", c.mover, c.edited)
	}
	if _, err := (estate{Users: 500, Groups: 30, Bindings: 20}).changes(seed); err == nil {
		t.Error("changes with fewer groups than 3×bindings: no error")
	}
}
