// Command depscheck lists the module's direct dependencies for which the module proxy serves a newer patch
// release of the same major.minor version (`make deps-check`). Patch releases are where security fixes land
// (go-jose v3.0.x, for one), so CI runs it as a warning. It changes nothing: bumping stays a reviewed edit.
//
// It exits 0 whether or not updates are available, and 1 only when it could not ask (no go command, no
// network to the proxy).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"text/tabwriter"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "deps-check: "+err.Error())
		os.Exit(1)
	}
}

// module is what `go mod edit -json` and `go list -m -versions -json` say of a module.
type module struct {
	Path     string
	Version  string
	Versions []string
	Indirect bool
	Replace  *module
	Error    *struct{ Err string }
}

func run(out io.Writer) error {
	var gomod struct{ Require []module }
	if err := goJSON(&gomod, "mod", "edit", "-json"); err != nil {
		return err
	}
	var direct []string
	for _, m := range gomod.Require {
		if !m.Indirect {
			direct = append(direct, m.Path)
		}
	}
	if len(direct) == 0 {
		fmt.Fprintln(out, "deps-check: go.mod has no direct dependencies")
		return nil
	}
	mods, err := listVersions(direct)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	var updates, skipped int
	for _, m := range mods {
		switch {
		case m.Error != nil:
			fmt.Fprintf(out, "deps-check: %s: %s\n", m.Path, m.Error.Err)
			skipped++
			continue
		case m.Replace != nil:
			skipped++ // a replaced module's versions are not what the build uses
			continue
		}
		if newer, ok := newestPatch(m.Version, m.Versions); ok {
			if updates == 0 {
				fmt.Fprintln(tw, "  module\tin go.mod\tnewest patch")
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", m.Path, m.Version, newer)
			updates++
		}
	}
	switch {
	case updates > 0:
		fmt.Fprintf(out, "deps-check: warning: a newer patch release is on the module proxy for %d of %d direct dependencies (bump with go get <module>@<version>):\n", updates, len(mods))
		return tw.Flush()
	default:
		fmt.Fprintf(out, "deps-check: every direct dependency is at its newest patch release (%d checked, %d skipped)\n", len(mods)-skipped, skipped)
	}
	return nil
}

// listVersions asks the module proxy (through the go command, so GOPROXY, GOFLAGS and GONOPROXY apply) for
// the released versions of paths.
func listVersions(paths []string) ([]module, error) {
	cmd := exec.Command("go", append([]string{"list", "-m", "-versions", "-e", "-json"}, paths...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -m -versions: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var mods []module
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		var m module
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return mods, nil
		} else if err != nil {
			return nil, fmt.Errorf("go list -m -versions: %w", err)
		}
		mods = append(mods, m)
	}
}

func goJSON(v any, args ...string) error {
	cmd := exec.Command("go", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("go %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return json.Unmarshal(b, v)
}

// release is a parsed semantic version vMAJOR.MINOR.PATCH (with +incompatible allowed); pre-releases and
// pseudo-versions do not parse, so they are never offered as an update.
type release struct{ major, minor, patch int }

func parseRelease(v string) (release, bool) {
	v = strings.TrimSuffix(v, "+incompatible")
	if !strings.HasPrefix(v, "v") || strings.ContainsAny(v, "-+") {
		return release{}, false
	}
	parts := strings.Split(v[1:], ".")
	if len(parts) != 3 {
		return release{}, false
	}
	var n [3]int
	for i, p := range parts {
		x, err := strconv.Atoi(p)
		if err != nil || x < 0 || (len(p) > 1 && p[0] == '0') {
			return release{}, false
		}
		n[i] = x
	}
	return release{n[0], n[1], n[2]}, true
}

// newestPatch returns the highest release in versions with current's major and minor and a higher patch.
// A current pre-release or pseudo-version has no patch line to follow: none is offered.
func newestPatch(current string, versions []string) (string, bool) {
	cur, ok := parseRelease(current)
	if !ok {
		return "", false
	}
	best, found := cur, ""
	for _, v := range versions {
		r, ok := parseRelease(v)
		if ok && r.major == cur.major && r.minor == cur.minor && r.patch > best.patch {
			best, found = r, v
		}
	}
	return found, found != ""
}
