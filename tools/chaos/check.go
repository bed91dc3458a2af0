package chaos

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// Snapshot is what the sandbox holds, decoded from the emulators' own state (the whole of it, inactive
// objects included), so that the checks do not depend on the provider's clients or on Terraform's state.
type Snapshot struct {
	Okta oktaState
	Orgs map[string]orgState
}

type oktaState struct {
	Users map[string]struct {
		Status  string         `json:"status"`
		Profile map[string]any `json:"profile"`
	} `json:"users"`
	Groups map[string]struct {
		Profile map[string]any  `json:"profile"`
		Members map[string]bool `json:"members"`
	} `json:"groups"`
	Apps map[string]struct {
		Body           map[string]any `json:"body"`
		AccessPolicyID string         `json:"accessPolicyId"`
	} `json:"apps"`
	AppGroups map[string]map[string]struct {
		Priority int            `json:"priority"`
		Profile  map[string]any `json:"profile"`
	} `json:"appGroups"`
	Policies map[string]struct {
		Body  map[string]any            `json:"body"`
		Rules map[string]map[string]any `json:"rules"`
	} `json:"policies"`
	Zones map[string]map[string]any `json:"zones"`
}

type orgState struct {
	Data struct {
		Tables map[string]struct {
			Rows map[string]map[string]any `json:"rows"`
		} `json:"tables"`
	} `json:"data"`
}

// TakeSnapshot reads the state of every emulator of sb.
func TakeSnapshot(sb *sandbox.Sandbox) (*Snapshot, error) {
	s := &Snapshot{Orgs: map[string]orgState{}}
	b, err := sb.Okta().MarshalState()
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &s.Okta); err != nil {
		return nil, fmt.Errorf("decode the Okta emulator's state: %w", err)
	}
	for alias := range sb.Info().Salesforce {
		b, err := sb.Org(alias).MarshalState()
		if err != nil {
			return nil, err
		}
		var o orgState
		if err := json.Unmarshal(b, &o); err != nil {
			return nil, fmt.Errorf("decode the state of Salesforce org %s: %w", alias, err)
		}
		s.Orgs[alias] = o
	}
	return s, nil
}

func (o orgState) rows(sobject string) map[string]map[string]any { return o.Data.Tables[sobject].Rows }

func str(v any) string { s, _ := v.(string); return s }

// appsByLabel maps each Okta app label to the IDs of the apps with it, whatever their status.
func (s *Snapshot) appsByLabel() map[string][]string {
	out := map[string][]string{}
	for id, a := range s.Okta.Apps {
		l := str(a.Body["label"])
		out[l] = append(out[l], id)
	}
	for _, ids := range out {
		sort.Strings(ids)
	}
	return out
}

func (s *Snapshot) groupIDByName() map[string]string {
	out := map[string]string{}
	for id, g := range s.Okta.Groups {
		out[str(g.Profile["name"])] = id
	}
	return out
}

// federationIDs counts each org's users by lower-cased Federation ID.
func (s *Snapshot) federationIDs(alias string) map[string]int {
	out := map[string]int{}
	for _, u := range s.Orgs[alias].rows("User") {
		if f := strings.ToLower(str(u["FederationIdentifier"])); f != "" {
			out[f]++
		}
	}
	return out
}

// TFResource is one resource instance of a terraform.tfstate file.
type TFResource struct {
	Type       string
	IndexKey   any
	Attributes map[string]any
}

// ReadTerraformState reads the managed resource instances of dir/terraform.tfstate.
func ReadTerraformState(dir string) ([]TFResource, error) {
	b, err := os.ReadFile(filepath.Join(dir, "terraform.tfstate"))
	if err != nil {
		return nil, err
	}
	var st struct {
		Resources []struct {
			Mode      string `json:"mode"`
			Type      string `json:"type"`
			Instances []struct {
				IndexKey   any            `json:"index_key"`
				Attributes map[string]any `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("terraform.tfstate: %w", err)
	}
	var out []TFResource
	for _, r := range st.Resources {
		if r.Mode != "managed" {
			continue
		}
		for _, i := range r.Instances {
			out = append(out, TFResource{Type: r.Type, IndexKey: i.IndexKey, Attributes: i.Attributes})
		}
	}
	return out, nil
}

// Check compares the sandbox after convergence (now) with what the configuration asks for (want), the
// sandbox before the first apply (base, whose objects are not orphans) and Terraform's state (tf), and
// returns every difference: duplicates, orphans, missing or wrong objects.
func Check(want Expectation, base, now *Snapshot, tf []TFResource) []string {
	var fails []string
	fail := func(format string, a ...any) { fails = append(fails, fmt.Sprintf(format, a...)) }

	// Okta apps: exactly one per label, the one in Terraform's state; none beyond those.
	tfApps := map[string]map[string]any{} // by label
	for _, r := range tf {
		if r.Type == "oktasf_saml_app" {
			tfApps[str(r.Attributes["label"])] = r.Attributes
		}
	}
	byLabel, baseApps := now.appsByLabel(), base.Okta.Apps
	wantLabels := map[string]bool{}
	appID := map[string]string{} // label → the one app's ID
	for _, a := range want.Apps {
		wantLabels[a.Label] = true
		ids := byLabel[a.Label]
		switch {
		case len(ids) == 0:
			fail("okta: no app labelled %q", a.Label)
		case len(ids) > 1:
			fail("okta: %d apps labelled %q (duplicates): %s", len(ids), a.Label, strings.Join(ids, ", "))
		}
		if len(ids) > 0 {
			appID[a.Label] = ids[0]
		}
		if st, ok := tfApps[a.Label]; !ok {
			fail("terraform state: no oktasf_saml_app labelled %q", a.Label)
		} else if id := str(st["id"]); len(ids) > 0 && !contains(ids, id) {
			fail("okta: the app labelled %q in Terraform's state (%s) is not in Okta, which has %s", a.Label, id, strings.Join(ids, ", "))
		} else if len(ids) > 0 {
			appID[a.Label] = id
		}
	}
	for label, ids := range byLabel {
		for _, id := range ids {
			if _, seeded := baseApps[id]; !seeded && !wantLabels[label] {
				fail("okta: orphan app %s labelled %q", id, label)
			}
		}
	}

	// Salesforce SSO settings: exactly one per name and org, trusting its org's app.
	wantSSO := map[string]map[string]bool{}
	for _, w := range want.SSO {
		if wantSSO[w.Org] == nil {
			wantSSO[w.Org] = map[string]bool{}
		}
		wantSSO[w.Org][w.DeveloperName] = true
	}
	for alias, org := range now.Orgs {
		count := map[string]int{}
		for key, r := range org.rows("SamlSsoConfig") {
			name := str(r["DeveloperName"])
			count[name]++
			if _, seeded := base.Orgs[alias].rows("SamlSsoConfig")[key]; !seeded && !wantSSO[alias][name] {
				fail("salesforce %s: orphan SAML SSO setting %s (%s)", alias, name, str(r["Id"]))
			}
		}
		for name := range wantSSO[alias] {
			if count[name] != 1 {
				fail("salesforce %s: %d SAML SSO settings named %s, want 1", alias, count[name], name)
			}
		}
	}
	for _, a := range want.Apps {
		st := tfApps[a.Label]
		if st == nil || !wantSSO[a.Org]["Okta"] {
			continue
		}
		for _, r := range now.Orgs[a.Org].rows("SamlSsoConfig") {
			if str(r["DeveloperName"]) == "Okta" && str(r["Issuer"]) != str(st["entity_id"]) {
				fail("salesforce %s: SAML SSO setting Okta trusts issuer %q, not its app's %q", a.Org, str(r["Issuer"]), str(st["entity_id"]))
			}
		}
	}

	// Group assignments: exactly the configured groups, in the configured order, with profile and role.
	groupID := now.groupIDByName()
	for _, m := range want.Mappings {
		id := appID[m.AppLabel]
		if id == "" {
			continue
		}
		got := now.Okta.AppGroups[id]
		wantIDs := map[string]bool{}
		var order []string
		for _, g := range m.Groups {
			gid := groupID[g.Group]
			wantIDs[gid] = true
			a, ok := got[gid]
			if !ok {
				fail("okta: group %q is not assigned to app %q", g.Group, m.AppLabel)
				continue
			}
			order = append(order, gid)
			if p := str(a.Profile["profile"]); p != g.Profile {
				fail("okta: group %q on app %q has profile %q, want %q", g.Group, m.AppLabel, p, g.Profile)
			}
			if r := str(a.Profile["role"]); r != g.Role {
				fail("okta: group %q on app %q has role %q, want %q", g.Group, m.AppLabel, r, g.Role)
			}
		}
		for gid := range got {
			if !wantIDs[gid] {
				fail("okta: orphan assignment of group %s (%s) to app %q", gid, str(now.Okta.Groups[gid].Profile["name"]), m.AppLabel)
			}
		}
		if !sort.SliceIsSorted(order, func(i, j int) bool { return got[order[i]].Priority < got[order[j]].Priority }) {
			fail("okta: the groups of app %q are not in the configured priority order", m.AppLabel)
		}
	}

	// Duplicates: no two users of an org share a Federation ID.
	for alias := range now.Orgs {
		for f, n := range now.federationIDs(alias) {
			if n > 1 {
				fail("salesforce %s: %d users with Federation ID %s (duplicates)", alias, n, f)
			}
		}
	}

	// Provisioning: every app user has one active Salesforce user with the profile and role of their
	// highest-priority group; no other user got a Federation ID.
	expectedFed := map[string]map[string]bool{} // org → lower-cased Federation IDs of app users
	for _, p := range want.Provisioning {
		if expectedFed[p.Org] == nil {
			expectedFed[p.Org] = map[string]bool{}
		}
		var mapping []WantMapping
		for _, m := range want.Mappings {
			if m.AppLabel == p.AppLabel {
				mapping = m.Groups
			}
		}
		users := now.Orgs[p.Org].rows("User")
		byFed := map[string]map[string]any{}
		for _, u := range users {
			// Of duplicates (reported above), the one with the lowest ID, so that reports do not vary.
			if f := strings.ToLower(str(u["FederationIdentifier"])); f != "" && (byFed[f] == nil || str(u["Id"]) < str(byFed[f]["Id"])) {
				byFed[f] = u
			}
		}
		baseFed := base.federationIDs(p.Org)
		profiles, roles := names(now.Orgs[p.Org].rows("Profile")), names(now.Orgs[p.Org].rows("UserRole"))
		missing, wrong := []string{}, []string{}
		for uid, u := range now.Okta.Users {
			if u.Status == "DEPROVISIONED" || u.Status == "SUSPENDED" {
				continue
			}
			var first *WantMapping
			for i := range mapping {
				if now.Okta.Groups[groupID[mapping[i].Group]].Members[uid] {
					first = &mapping[i]
					break
				}
			}
			if first == nil {
				continue
			}
			login := str(u.Profile["login"])
			fed := strings.ToLower(login)
			expectedFed[p.Org][fed] = true
			sf, ok := byFed[fed]
			switch {
			case !ok:
				missing = append(missing, login)
			case sf["IsActive"] != true:
				wrong = append(wrong, login+" is inactive")
			case profiles[str(sf["ProfileId"])] != first.Profile:
				wrong = append(wrong, fmt.Sprintf("%s has profile %q, want %q", login, profiles[str(sf["ProfileId"])], first.Profile))
			case first.Role != "" && roles[str(sf["UserRoleId"])] != first.Role:
				wrong = append(wrong, fmt.Sprintf("%s has role %q, want %q", login, roles[str(sf["UserRoleId"])], first.Role))
			case baseFed[fed] == 0 && !strings.EqualFold(str(sf["Username"]), login+p.UsernameSuffix):
				wrong = append(wrong, fmt.Sprintf("%s has username %s, want %s", login, str(sf["Username"]), login+p.UsernameSuffix))
			}
		}
		if len(missing) > 0 {
			fail("salesforce %s: %d app users not provisioned: %s", p.Org, len(missing), sample(missing))
		}
		if len(wrong) > 0 {
			fail("salesforce %s: %d provisioned users differ: %s", p.Org, len(wrong), sample(wrong))
		}
	}
	for alias := range now.Orgs {
		baseFed := base.federationIDs(alias)
		var orphans []string
		for f := range now.federationIDs(alias) {
			if baseFed[f] == 0 && !expectedFed[alias][f] {
				orphans = append(orphans, f)
			}
		}
		if len(orphans) > 0 {
			fail("salesforce %s: %d orphan users with a Federation ID no app user has: %s", alias, len(orphans), sample(orphans))
		}
	}

	// Permission set bindings: held by exactly the group members with an active Salesforce user, once each.
	for _, b := range want.Bindings {
		org := now.Orgs[b.Org]
		psID := ""
		for _, ps := range org.rows("PermissionSet") {
			if str(ps["Name"]) == b.PermissionSet {
				psID = str(ps["Id"])
			}
		}
		users := org.rows("User")
		userByID := map[string]map[string]any{}
		activeFed := map[string]bool{}
		for _, u := range users {
			userByID[str(u["Id"])] = u
			if f := strings.ToLower(str(u["FederationIdentifier"])); f != "" && u["IsActive"] == true {
				activeFed[f] = true
			}
		}
		wantHolders := map[string]bool{}
		for _, g := range b.Groups {
			for uid := range now.Okta.Groups[groupID[g]].Members {
				if f := strings.ToLower(str(now.Okta.Users[uid].Profile["login"])); activeFed[f] {
					wantHolders[f] = true
				}
			}
		}
		held := map[string]int{}
		for _, a := range org.rows("PermissionSetAssignment") {
			if str(a["PermissionSetId"]) != psID {
				continue
			}
			if f := strings.ToLower(str(userByID[str(a["AssigneeId"])]["FederationIdentifier"])); f != "" {
				held[f]++
			}
		}
		var extra, lacking, dup []string
		for f, n := range held {
			if !wantHolders[f] {
				extra = append(extra, f)
			}
			if n > 1 {
				dup = append(dup, f)
			}
		}
		for f := range wantHolders {
			if held[f] == 0 {
				lacking = append(lacking, f)
			}
		}
		if len(lacking) > 0 {
			fail("salesforce %s: %d group members lack %s: %s", b.Org, len(lacking), b.PermissionSet, sample(lacking))
		}
		if len(extra) > 0 {
			fail("salesforce %s: %d federated users outside the groups hold %s: %s", b.Org, len(extra), b.PermissionSet, sample(extra))
		}
		if len(dup) > 0 {
			fail("salesforce %s: %d users hold %s more than once (duplicates): %s", b.Org, len(dup), b.PermissionSet, sample(dup))
		}
	}
	sort.Strings(fails)
	fails = append(fails, checkPolicies(want, base, now)...)
	return fails
}

// names maps record IDs to their Name.
func names(rows map[string]map[string]any) map[string]string {
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[str(r["Id"])] = str(r["Name"])
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// sample lists up to five items, sorted, and how many more there are.
func sample(items []string) string {
	sort.Strings(items)
	if len(items) <= 5 {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:5], ", "), len(items)-5)
}

// checkPolicies: exactly one network zone per wanted name and one sign-in policy per wanted name, bound to its
// app, with the wanted rules in order before the catch-all; no zone or policy the seed did not hold beyond them.
func checkPolicies(want Expectation, base, now *Snapshot) []string {
	var fails []string
	fail := func(format string, a ...any) { fails = append(fails, fmt.Sprintf(format, a...)) }
	zones := map[string][]string{}
	for id, z := range now.Okta.Zones {
		zones[str(z["name"])] = append(zones[str(z["name"])], id)
	}
	wantZone := map[string]bool{}
	for _, name := range want.Zones {
		wantZone[name] = true
		if n := len(zones[name]); n != 1 {
			fail("okta: %d network zones named %q, want 1: %s", n, name, strings.Join(zones[name], ", "))
		}
	}
	for name, ids := range zones {
		for _, id := range ids {
			if _, seeded := base.Okta.Zones[id]; !seeded && !wantZone[name] {
				fail("okta: orphan network zone %s named %q", id, name)
			}
		}
	}
	policies := map[string][]string{}
	for id, p := range now.Okta.Policies {
		policies[str(p.Body["name"])] = append(policies[str(p.Body["name"])], id)
	}
	wantPolicy := map[string]bool{}
	byLabel := now.appsByLabel()
	for _, w := range want.Policies {
		wantPolicy[w.Name] = true
		ids := policies[w.Name]
		if len(ids) != 1 {
			fail("okta: %d sign-in policies named %q, want 1: %s", len(ids), w.Name, strings.Join(ids, ", "))
			continue
		}
		for _, appID := range byLabel[w.AppLabel] {
			if got := now.Okta.Apps[appID].AccessPolicyID; got != ids[0] {
				fail("okta: app %s labelled %q is bound to policy %s, want %q (%s)", appID, w.AppLabel, got, w.Name, ids[0])
			}
		}
		type rule struct {
			name     string
			priority float64
		}
		var rules []rule
		for _, r := range now.Okta.Policies[ids[0]].Rules {
			if r["system"] == true {
				continue
			}
			p, _ := r["priority"].(float64)
			rules = append(rules, rule{str(r["name"]), p})
		}
		sort.Slice(rules, func(i, j int) bool { return rules[i].priority < rules[j].priority })
		var got []string
		for _, r := range rules {
			got = append(got, r.name)
		}
		if strings.Join(got, ", ") != strings.Join(w.Rules, ", ") {
			fail("okta: policy %q has rules [%s], want [%s]", w.Name, strings.Join(got, ", "), strings.Join(w.Rules, ", "))
		}
	}
	for name, ids := range policies {
		for _, id := range ids {
			if _, seeded := base.Okta.Policies[id]; !seeded && !wantPolicy[name] {
				fail("okta: orphan sign-in policy %s named %q", id, name)
			}
		}
	}
	return fails
}
