package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

// The committed README agrees with itself: its block holds every figure the bench prints and no other, and
// each sentence quotes the block's value. (That the block agrees with a run is make docs-check's part.)
func TestREADME_quotesItsBenchBlock(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if _, problems := checkREADME(string(b)); len(problems) > 0 {
		t.Errorf("README.md:\n  %s", strings.Join(problems, "\n  "))
	}
}

// sampleRun is a run with every figure.
func sampleRun() values {
	v := values{}
	for _, f := range figures {
		v[f.key] = "7"
	}
	v["measured"] = measuredLabel(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), "linux", "amd64", 2)
	v["latency_ms"] = "20"
	v["scale.groups"] = "60"
	v["mappings.users"] = "5000"
	v["scale.5000.plan.requests"] = "119"
	v["scale.5000.plan.provider_cpu_s"] = "0.25"
	v["rotation.salesforce_calls"] = "2"
	v["rotation.window_ms"] = "70"
	v["demo.apply.wall_s"] = "1.6"
	return v
}

// skeleton is a README with every quoted sentence, wrapped, with zeros for figures, and an empty block.
func skeleton() string {
	var b strings.Builder
	b.WriteString("# Title\n\n")
	for _, q := range quotes {
		words := strings.Fields(placeRE.ReplaceAllString(q, "0"))
		for i, w := range words {
			if i > 0 && i%6 == 0 {
				b.WriteString("\n")
			} else if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(w)
		}
		b.WriteString(".\n\n")
	}
	b.WriteString(blockBegin + " -->\n```text\n```\n" + blockEnd + "\n\nThe end.\n")
	return b.String()
}

// replaceWrapped replaces the first occurrence of old in s, whatever whitespace the fixture wraps it with.
func replaceWrapped(t *testing.T, s, old, new string) string {
	t.Helper()
	loc := regexp.MustCompile(literalRE(old)).FindStringIndex(s)
	if loc == nil {
		t.Fatalf("fixture lacks %q", old)
	}
	return s[:loc[0]] + new + s[loc[1]:]
}

func recorded(t *testing.T, run values) string {
	t.Helper()
	out, err := updateREADME(skeleton(), run)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestUpdateREADME(t *testing.T) {
	t.Parallel()
	run := sampleRun()
	out := recorded(t, run)
	if _, problems := checkREADME(out); len(problems) > 0 {
		t.Fatalf("after update:\n  %s\n%s", strings.Join(problems, "\n  "), out)
	}
	for _, want := range []string{"over 5,000 users takes 7", "bench: scale.5000.plan.requests = 119\n", "(0.25 s at 5,000)", "(70 ms against", "bench: measured = 2026-05-01 on linux/amd64 with 2 CPUs\n", "\nThe end.\n"} {
		if !regexp.MustCompile(literalRE(want)).MatchString(out) {
			t.Errorf("updated README lacks %q:\n%s", want, out)
		}
	}
	if again, err := updateREADME(out, run); err != nil || again != out {
		t.Errorf("a second update changed the README (err %v):\n%s", err, again)
	}
	if _, err := updateREADME("no block here", run); err == nil {
		t.Error("update of a README without a block: no error")
	}
	if _, err := updateREADME(replaceWrapped(t, out, "Salesforce API calls after", "calls after"), run); err == nil {
		t.Error("update of a README whose rotation sentence changed: no error")
	}
}

// Every way the README can stop quoting the bench is found.
func TestCheckREADME(t *testing.T) {
	t.Parallel()
	good := recorded(t, sampleRun())
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"consistent", "", "", ""},
		{"sentence count changed", "the first apply takes 7 requests", "the first apply takes 8 requests", "scale.5000.apply.requests = 8, its bench block 7"},
		{"sentence timing changed", "(70 ms against", "(60 ms against", "rotation.window_ms = 60, its bench block 70"},
		{"block count changed", "bench: scale.5000.apply.requests = 7\n", "bench: scale.5000.apply.requests = 8\n", "scale.5000.apply.requests = 7, its bench block 8"},
		{"size's figure dropped", "bench: scale.50000.profile.sandbox_cpu_s = 7\n", "", "lacks scale.50000.profile.sandbox_cpu_s"},
		{"sentence reworded", "takes 7 requests", "needs 7 requests", "the README does not say"},
		{"figure dropped", "bench: rotation.window_ms = 70\n", "", "lacks rotation.window_ms"},
		{"figure nobody measures", "bench: latency_ms = 20\n", "bench: latency_ms = 20\nbench: estate.cpu_s = 3\n", "estate.cpu_s, which the bench does not produce"},
		{"figure twice", "bench: latency_ms = 20\n", "bench: latency_ms = 20\nbench: latency_ms = 20\n", "appears twice"},
		{"not a number", "bench: demo.apply.wall_s = 1.6\n", "bench: demo.apply.wall_s = fast\n", `demo.apply.wall_s = "fast" is not a number`},
		{"no date", "bench: measured = 2026-05-01 on", "bench: measured = recently on", "want \"YYYY-MM-DD on os/arch with N CPUs\""},
		{"window shorter than its calls", "= 70\n", "= 30\n", "rotation.window_ms = 30 is shorter than 2 calls of 20 ms"},
		{"no end marker", blockEnd, "", "no \"<!-- bench:end -->\" marker"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			readme := good
			if tc.old != "" {
				readme = replaceWrapped(t, readme, tc.old, tc.new)
			}
			if tc.name == "window shorter than its calls" {
				readme = replaceWrapped(t, readme, "(70 ms", "(30 ms")
			}
			_, problems := checkREADME(readme)
			got := strings.Join(problems, "\n")
			switch {
			case tc.want == "" && got != "":
				t.Errorf("problems: %s", got)
			case tc.want != "" && !strings.Contains(got, tc.want):
				t.Errorf("problems %q, want one containing %q", got, tc.want)
			}
		})
	}
}

// A run without latency contradicts the README only in request counts (and their sizes), or by missing a
// figure.
func TestCompareRun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		edit func(values)
		want string
	}{
		{"same", func(values) {}, ""},
		{"other timings and latency", func(v values) {
			v["latency_ms"], v["rotation.window_ms"], v["scale.5000.apply.wall_s"], v["measured"] = "0", "12", "30.2", "2030-01-01 on darwin/arm64 with 8 CPUs"
			v["scale.500.plan.provider_cpu_s"], v["scale.5000.apply.sandbox_cpu_s"] = "9.99", "0.01"
		}, ""},
		{"count differs", func(v values) { v["demo.plan.requests"] = "8" }, "README: demo.plan.requests = 7, this run: 8"},
		{"size differs", func(v values) { v["mappings.users"] = "100" }, "README: mappings.users = 5000, this run: 100"},
		{"walk order within tolerance", func(v values) { v["scale.5000.plan.requests"] = "113" }, ""},
		{"walk order beyond tolerance", func(v values) { v["scale.5000.plan.requests"] = "112" }, "README: scale.5000.plan.requests = 119, this run: 112 (allowed: ±6"},
		{"figure not measured", func(v values) { delete(v, "rotation.window_ms") }, "this run did not produce rotation.window_ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run := sampleRun()
			tc.edit(run)
			problems, notChecked := compareRun(sampleRun(), run, newScope(scaleSizes))
			if len(notChecked) > 0 {
				t.Errorf("a run of every size left figures unchecked: %v", notChecked)
			}
			got := strings.Join(problems, "\n")
			switch {
			case tc.want == "" && got != "":
				t.Errorf("problems: %s", got)
			case tc.want != "" && !strings.Contains(got, tc.want):
				t.Errorf("problems %q, want one containing %q", got, tc.want)
			}
		})
	}
}

func TestRotationWindow(t *testing.T) {
	t.Parallel()
	at := func(ms int) time.Time {
		return time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(ms) * time.Millisecond)
	}
	soap := "POST /services/Soap/m/{version}"
	journal := []emu.Entry{
		{Service: "salesforce:qa", Route: soap, Start: at(0), End: at(5), Status: 200}, // the plan's refresh
		{Service: "okta", Route: "PUT /api/v1/apps/{appId}", Start: at(10), End: at(30), Status: 200},
		{Service: "salesforce:uat", Route: soap, Start: at(35), End: at(40), Status: 200}, // another org
		{Service: "salesforce:qa", Route: soap, Start: at(40), End: at(60), Status: 200},  // the update's read
		{Service: "salesforce:qa", Route: soap, Start: at(70), End: at(100), Status: 200}, // its write
		{Service: "salesforce:qa", Route: "GET /services/data/{version}/query", Start: at(110), End: at(120), Status: 200},
	}
	window, calls, err := rotationWindow(journal, "qa")
	if err != nil || window != 70*time.Millisecond || calls != 2 {
		t.Errorf("rotationWindow = %s, %d calls, %v; want 70ms, 2 calls", window, calls, err)
	}
	if _, _, err := rotationWindow(journal[2:], "qa"); err == nil {
		t.Error("a journal without the key switch: no error")
	}
	if _, _, err := rotationWindow(journal[:4], "qa"); err == nil {
		t.Error("a journal without the settings write: no error")
	}
}

func TestProse(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"7": "7", "999": "999", "5000": "5,000", "1234567": "1,234,567", "0.5": "0.5"} {
		if got := prose(in); got != want {
			t.Errorf("prose(%q) = %q, want %q", in, got, want)
		}
	}
}
