package main

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	oktasdk "github.com/okta/okta-sdk-golang/v2/okta"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/seedgen"
	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// scaleSizes are the estate sizes (Okta users) the README records; -scale measures these by default.
var scaleSizes = []int{500, 5000, 50000}

// scalePhase is one measured command of the scale table.
type scalePhase struct {
	key, title string
}

var scalePhases = []scalePhase{
	{"apply", "first apply"},
	{"plan", "no-change plan"},
	{"membership", "plan after a membership change"},
	{"profile", "plan after a profile change"},
}

// scaleRow is one line of the scale table.
type scaleRow struct {
	users int
	phase scalePhase
	m     measurement
}

// parseSizes reads -scale: positive numbers of users, comma-separated, each once; empty means none.
func parseSizes(s string) ([]int, error) {
	var sizes []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(strings.ReplaceAll(f, "_", ""))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-scale %q: %q is not a positive number of users (write e.g. -scale 500,5000,50000)", s, f)
		}
		if slices.Contains(sizes, n) {
			return nil, fmt.Errorf("-scale %q: %d appears twice", s, n)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

func joinSizes(sizes []int) string {
	parts := make([]string, len(sizes))
	for i, n := range sizes {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

// scale measures the estate at each size and prints the scale table.
func (b *bench) scale(ctx context.Context, e estate, sizes []int) error {
	b.figures.setInt("scale.groups", e.Groups)
	b.figures.setInt("scale.mappings", e.Mappings)
	b.figures.setInt("scale.bindings", e.Bindings)
	var rows []scaleRow
	for _, n := range sizes {
		e.Users = n
		r, err := b.scaleOne(ctx, e)
		if err != nil {
			return fmt.Errorf("estate of %d users: %w", n, err)
		}
		rows = append(rows, r...)
	}
	with := ""
	if e.Provisioning {
		with = " and user provisioning"
	}
	fmt.Printf("== scale: %d group mappings and %d permission-set bindings%s over N users in %d groups, %d ms latency per request\n\n", e.Mappings, e.Bindings, with, e.Groups, b.latency)
	fmt.Print(scaleTable(rows))
	fmt.Print("\nCPU: provider = the scenario's provider process, started with -debug and reattached to by every terraform command " +
		"(utime+stime from /proc/<pid>/stat, 10 ms ticks); terraform = the terraform process's rusage (with reattach it no longer " +
		"includes the provider); sandbox = this process's getrusage(RUSAGE_SELF), which serves the sandbox (and runs the bench, a small share).\n\n")
	return nil
}

// scaleTable renders rows as the aligned table make bench prints.
func scaleTable(rows []scaleRow) string {
	var b strings.Builder
	line := "%7s  %-30s  %8s  %6s  %14s  %15s  %13s\n"
	fmt.Fprintf(&b, line, "users", "command", "requests", "wall s", "provider CPU s", "terraform CPU s", "sandbox CPU s")
	for _, r := range rows {
		provider := "-"
		if r.m.providerMeasured {
			provider = fmt.Sprintf("%.2f", r.m.providerCPU.Seconds())
		}
		fmt.Fprintf(&b, line, prose(strconv.Itoa(r.users)), r.phase.title, strconv.Itoa(r.m.stats.Total), fmt.Sprintf("%.1f", r.m.wall.Seconds()),
			provider, fmt.Sprintf("%.2f", r.m.terraformCPU.Seconds()), fmt.Sprintf("%.2f", r.m.sandboxCPU.Seconds()))
	}
	return b.String()
}

// scaleOne measures one size of the estate: first apply, no-change plan, a plan after one membership
// change (which must update exactly one binding) and a plan after one profile change (which must be empty).
func (b *bench) scaleOne(ctx context.Context, e estate) ([]scaleRow, error) {
	began := time.Now()
	seed, err := e.seed()
	if err != nil {
		return nil, err
	}
	seedTime := time.Since(began)
	change, err := e.changes(seed)
	if err != nil {
		return nil, err
	}
	s, stop, err := b.start(ctx, fmt.Sprintf("scale-%d", e.Users), seed, func(info sandbox.Info, dir string) (string, error) {
		return dir, e.writeConfig(ctx, info, dir)
	})
	if err != nil {
		return nil, err
	}
	defer stop()
	if err := s.withLatency(ctx); err != nil {
		return nil, err
	}
	b.heading(fmt.Sprintf("estate of %d group mappings and %d permission-set bindings over %d users in %d groups, %d of them with a Salesforce user in qa",
		e.Mappings, e.Bindings, e.Users, e.Groups, len(seed.Salesforce["qa"].Users)))
	fmt.Printf("set-up: seed generation %s, sandbox start %s, configuration and terraform init %s\n\n",
		seedTime.Round(time.Millisecond), s.sandboxStart.Round(time.Millisecond), s.configure.Round(time.Millisecond))
	client, err := okta.New(ctx, okta.Config{OrgURL: s.sb.Info().Okta.OrgURL, APIToken: s.sb.Info().Okta.APIToken,
		HTTPClient: transport.NewHTTPClient(transport.Config{Service: transport.ServiceOkta})})
	if err != nil {
		return nil, err
	}
	var rows []scaleRow
	record := func(phase string, m measurement) {
		p := scalePhases[slices.IndexFunc(scalePhases, func(p scalePhase) bool { return p.key == phase })]
		rows = append(rows, scaleRow{users: e.Users, phase: p, m: m})
		prefix := fmt.Sprintf("scale.%d.%s.", e.Users, phase)
		b.figures.setInt(prefix+"requests", m.stats.Total)
		b.figures.setSeconds(prefix+"wall_s", m.wall)
		if m.providerMeasured {
			b.figures.setCPU(prefix+"provider_cpu_s", m.providerCPU)
		}
		b.figures.setCPU(prefix+"terraform_cpu_s", m.terraformCPU)
		b.figures.setCPU(prefix+"sandbox_cpu_s", m.sandboxCPU)
	}

	m, err := s.measureApply(ctx, "first apply")
	if err != nil {
		return nil, err
	}
	record("apply", m)
	if e.Provisioning {
		// Okta brings new group assignments to the app's users in the background: until a read finds them
		// settled (some minutes on), user provisioning lists the app's users at every plan. That plan first, then
		// the estate as it is later: Okta's clock ten minutes on, and one refresh that saves the settled reads.
		if _, err := s.measurePlan(ctx, "no-change plan right after the first apply"); err != nil {
			return nil, err
		}
		s.sb.Okta().SetClock(func() time.Time { return time.Now().Add(10 * time.Minute) })
		if _, err := s.measure(ctx, "refresh ten minutes later", []string{"apply", "-refresh-only", "-auto-approve", "-no-color", "-parallelism=10"}); err != nil {
			return nil, err
		}
	}
	if m, err = s.measurePlan(ctx, "no-change plan"); err != nil {
		return nil, err
	}
	record("plan", m)

	// One membership change: a user with a Salesforce user in qa joins a group of the first binding only.
	mover, _, err := client.SDK.User.GetUser(ctx, change.mover)
	if err != nil {
		return nil, fmt.Errorf("user %s: %w", change.mover, err)
	}
	group, err := client.FindGroupByName(ctx, change.group)
	if err != nil {
		return nil, fmt.Errorf("group %s: %w", change.group, err)
	}
	if _, err := client.SDK.Group.AddUserToGroup(ctx, group.ID, mover.Id); err != nil {
		return nil, fmt.Errorf("add %s to %s: %w", change.mover, change.group, err)
	}
	title := fmt.Sprintf("plan after %s joined %s", change.mover, change.group)
	m, err = s.measure(ctx, title, []string{"plan", "-detailed-exitcode", "-no-color", "-parallelism=10"})
	if code := planExitCode(err); code != 2 {
		if err == nil {
			err = fmt.Errorf("%s: the plan is empty; want an update of %s (the new member's permission set)", title, change.binding)
		}
		return nil, err
	}
	if updated, other := plannedUpdates(m.output); other || !slices.Equal(e.withoutProvisioning(updated), []string{change.binding}) {
		return nil, fmt.Errorf("%s: want exactly one update, of %s; the plan says:\n%s", title, change.binding, planSummary(m.output))
	}
	record("membership", m)
	if _, err := client.SDK.Group.RemoveUserFromGroup(ctx, group.ID, mover.Id); err != nil {
		return nil, fmt.Errorf("remove %s from %s again: %w", change.mover, change.group, err)
	}

	// One profile change the configuration does not depend on: a member's last name and title.
	edited, _, err := client.SDK.User.GetUser(ctx, change.edited)
	if err != nil {
		return nil, fmt.Errorf("user %s: %w", change.edited, err)
	}
	profile := oktasdk.UserProfile{"lastName": "Renamed", "title": "Bench Title"}
	if _, _, err := client.SDK.User.PartialUpdateUser(ctx, edited.Id, oktasdk.User{Profile: &profile}, nil); err != nil {
		return nil, fmt.Errorf("edit the profile of %s: %w", change.edited, err)
	}
	title = fmt.Sprintf("plan after %s's lastName and title changed", change.edited)
	m, err = s.measure(ctx, title, []string{"plan", "-detailed-exitcode", "-no-color", "-parallelism=10"})
	// Empty; with provisioning, an update of provisioning alone (it maps the last name).
	code := planExitCode(err)
	switch updated, other := plannedUpdates(m.output); {
	case err != nil && code != 2:
		return nil, err
	case code == 2 && (!e.Provisioning || other || !slices.Equal(updated, []string{provisioningAddr})):
		return nil, fmt.Errorf("%s: the plan is not empty:\n%s", title, planSummary(m.output))
	}
	record("profile", m)
	return rows, nil
}

// withoutProvisioning leaves the estate's user provisioning out of a plan's updates: it also follows the
// changes of members (a new member's user, a last name it maps), which the scenario's checks are not about.
func (e estate) withoutProvisioning(updated []string) []string {
	if !e.Provisioning {
		return updated
	}
	return slices.DeleteFunc(slices.Clone(updated), func(addr string) bool { return addr == provisioningAddr })
}

// provisioningAddr is the estate's user provisioning with -estate-provisioning (provisioning.writeProvisioning).
const provisioningAddr = "oktasf_user_provisioning.bench"

// estateChanges are the users the scale scenario changes between its plans.
type estateChanges struct {
	// mover has an active Salesforce user in qa without the first binding's permission set, and is in none
	// of that binding's groups; joining group makes the plan assign it the set.
	mover, group, binding string
	// edited is a member of group with a Salesforce user in qa.
	edited string
}

// changes picks the estate's changes from its seed. The first binding, PS_001, is over groups 1,
// 1+Bindings and 1+2×Bindings (writeConfig), and no other binding is over group 1 when the estate has at
// least 3×Bindings groups.
func (e estate) changes(seed *sandbox.Seed) (estateChanges, error) {
	if e.Bindings < 1 || e.Groups < 3*e.Bindings {
		return estateChanges{}, fmt.Errorf("the membership change needs at least one binding and 3×bindings groups (%d bindings, %d groups)", e.Bindings, e.Groups)
	}
	bound := map[string]bool{}
	for _, n := range []int{1, 1 + e.Bindings, 1 + 2*e.Bindings} {
		bound[seedgen.GroupName((n-1)%e.Groups+1)] = true
	}
	inBound := map[string]bool{}
	group1 := map[string]bool{}
	for _, g := range seed.Okta.Groups {
		for _, login := range g.Members {
			if bound[g.Name] {
				inBound[login] = true
			}
			if g.Name == seedgen.GroupName(1) {
				group1[login] = true
			}
		}
	}
	c := estateChanges{group: seedgen.GroupName(1), binding: `oktasf_permission_set_binding.b["PS_001"]`}
	for _, u := range seed.Salesforce["qa"].Users {
		login := u.FederationID
		active := u.IsActive == nil || *u.IsActive
		switch {
		case c.mover == "" && active && !inBound[login] && !slices.Contains(u.PermissionSets, "PS_001"):
			c.mover = login
		case c.edited == "" && group1[login]:
			c.edited = login
		}
	}
	if c.mover == "" || c.edited == "" {
		return estateChanges{}, fmt.Errorf("the seed of %d users has no user to move into %s (%q) or to edit (%q)", e.Users, c.group, c.mover, c.edited)
	}
	return c, nil
}

var updateRE = regexp.MustCompile(`(?m)^\s*# (\S+) will be updated in-place$`)

// plannedUpdates returns the addresses a plan's output updates in place, and whether it plans anything
// else (a create, a replacement or a destroy).
func plannedUpdates(output string) (updated []string, other bool) {
	for _, m := range updateRE.FindAllStringSubmatch(output, -1) {
		updated = append(updated, m[1])
	}
	for _, l := range strings.Split(output, "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "# ") && (strings.Contains(t, " will be created") || strings.Contains(t, " will be destroyed") ||
			strings.Contains(t, " must be replaced") || strings.Contains(t, " will be replaced")) {
			other = true
		}
	}
	return updated, other
}

// mappings measures the estate's group mappings without bindings (one app and its mappings), and checks
// that the reattached provider gives each terraform command fresh caches: a plan by a provider process
// terraform starts itself must take as many requests as the plan by the reattached one.
func (b *bench) mappings(ctx context.Context, e estate) error {
	seed, err := e.seed()
	if err != nil {
		return err
	}
	s, stop, err := b.start(ctx, "mappings", seed, func(info sandbox.Info, dir string) (string, error) { return dir, e.writeConfig(ctx, info, dir) })
	if err != nil {
		return err
	}
	defer stop()
	if err := s.withLatency(ctx); err != nil {
		return err
	}
	b.heading(fmt.Sprintf("one app and %d group mappings over %d users in %d groups", e.Mappings, e.Users, e.Groups))
	b.figures.setInt("mappings.mappings", e.Mappings)
	b.figures.setInt("mappings.users", e.Users)
	if err := s.applyAndPlan(ctx, "mappings"); err != nil {
		return err
	}
	reattached, _ := strconv.Atoi(b.figures["mappings.plan.requests"])
	own, err := s.requestsWithoutReattach(ctx, "plan", "-detailed-exitcode", "-no-color", "-parallelism=10")
	if err != nil {
		return err
	}
	if own != reattached {
		return fmt.Errorf("!!! the no-change plan took %d requests through the reattached provider and %d through a provider terraform "+
			"started itself: one provider process serving several terraform commands does not give each its own caches "+
			"(internal/conns), so every figure of this bench is wrong", reattached, own)
	}
	fmt.Printf("a provider process terraform starts itself plans with %d requests too: the reattached provider's caches are per command\n\n", own)
	return nil
}

// requestsWithoutReattach runs a terraform command that starts its own provider process, and returns the
// requests it made.
func (s *session) requestsWithoutReattach(ctx context.Context, args ...string) (int, error) {
	env := s.ws.Env
	defer func() { s.ws.Env = env }()
	s.ws.Env = slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, "TF_REATTACH_PROVIDERS=") })
	if err := s.ctl.ResetStats(ctx); err != nil {
		return 0, err
	}
	if _, err := s.ws.Terraform(ctx, args...); err != nil {
		return 0, err
	}
	stats, err := s.ctl.Stats(ctx)
	return stats.Total, err
}
