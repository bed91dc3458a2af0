package okta

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"slices"
	"sort"

	oktasdk "github.com/okta/okta-sdk-golang/v2/okta"
)

// policyPageSize is the page size of policy and rule lists; the next pages follow the Link header.
const policyPageSize = 200

// RuleInactive is the status of a rule deactivated in Okta: the IdP skips it at sign-in.
const RuleInactive = "INACTIVE"

// Identity Engine app sign-in policies (ACCESS_POLICY) and their rules, okta-api.md §8. Rules go through
// Raw: v2's PolicyRule has no appSignOn action, and its AccessPolicyRule drops device assurance, possession
// flags and keepMeSignedIn on a round trip, so a rule is kept as the JSON Okta sent and only the fields
// AccessRule models are written into it (Okta fills the rest with defaults we must not erase).

// AccessPolicy is an ACCESS_POLICY.
type AccessPolicy struct {
	ID, Name, Description, Status string
	System                        bool // the org's default policy
}

// AccessRule is the part of an ACCESS_POLICY rule the provider owns.
type AccessRule struct {
	ID, Name               string
	Status                 string // ACTIVE or INACTIVE (skipped at sign-in); read-only in a PUT body
	Priority               int
	System                 bool // the catch-all rule Okta creates with the policy; it cannot be deleted
	GroupsInclude          []string
	GroupsExclude          []string
	UsersInclude           []string
	UsersExclude           []string
	NetworkConnection      string // ANYWHERE or ZONE; "" when Okta holds no network condition
	ZonesInclude           []string
	ZonesExclude           []string
	DeviceRegistered       bool
	DeviceManaged          bool
	DeviceAssuranceInclude []string
	Platforms              []Platform
	Access                 string // ALLOW or DENY
	FactorMode             string // 1FA or 2FA
	ReauthenticateIn       string // ISO-8601 duration
	PhishingResistant      bool   // a possession constraint with phishingResistant REQUIRED
	HardwareProtected      bool   // a possession constraint with hardwareProtection REQUIRED
	Created, LastUpdated   string // as Okta sent them; equal on a rule nobody changed since Okta made it

	raw map[string]any // the rule as Okta sent it; nil for a new rule
}

// Platform is one entry of conditions.platform.include.
type Platform struct{ Type, OS string }

// OrgPipeline is the org's engine from GET /.well-known/okta-organization: "idx" (Identity Engine) or "v1"
// (Classic, which has no ACCESS_POLICY).
func (c *Client) OrgPipeline(ctx context.Context) (string, error) {
	var out struct {
		Pipeline string `json:"pipeline"`
	}
	if _, err := c.Raw(ctx, "GET", "/.well-known/okta-organization", nil, &out); err != nil {
		return "", fmt.Errorf("read the okta org's engine: %w", err)
	}
	return out.Pipeline, nil
}

// CreateAccessPolicy creates an active ACCESS_POLICY; Okta adds its catch-all rule.
func (c *Client) CreateAccessPolicy(ctx context.Context, name, description string) (*AccessPolicy, error) {
	body := map[string]any{"type": "ACCESS_POLICY", "name": name}
	if description != "" {
		body["description"] = description
	}
	var out map[string]any
	if _, err := c.Raw(ctx, "POST", "/api/v1/policies?activate=true", body, &out); err != nil {
		return nil, fmt.Errorf("create okta access policy %q: %w", name, err)
	}
	return decodePolicy(out), nil
}

// GetAccessPolicy reads a policy; ErrNotFound when it is gone.
func (c *Client) GetAccessPolicy(ctx context.Context, id string) (*AccessPolicy, error) {
	var out map[string]any
	if _, err := c.Raw(ctx, "GET", "/api/v1/policies/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, fmt.Errorf("read okta access policy %s: %w", id, err)
	}
	return decodePolicy(out), nil
}

// ListAccessPolicies lists the org's ACCESS_POLICY policies (q: a name prefix, "" for all).
// Every page is read.
func (c *Client) ListAccessPolicies(ctx context.Context, q string) ([]*AccessPolicy, error) {
	query := url.Values{"type": {"ACCESS_POLICY"}, "limit": {fmt.Sprint(policyPageSize)}}
	if q != "" {
		query.Set("q", q)
	}
	policies, err := listAll(ctx, rawFirstPage(c, "/api/v1/policies?"+query.Encode()), decodePolicy)
	if err != nil {
		return nil, fmt.Errorf("list okta access policies: %w", err)
	}
	return policies, nil
}

// rawFirstPage is page one of a list v2 has no types for, as raw JSON objects.
func rawFirstPage(c *Client, p string) firstPageFunc[map[string]any] {
	return func(ctx context.Context) ([]map[string]any, *oktasdk.Response, error) {
		var page []map[string]any
		resp, err := c.Raw(ctx, "GET", p, nil, &page)
		return page, resp, err
	}
}

// DefaultPolicyName is the name of the org's default app sign-in policy in Okta Identity Engine (Security >
// Authentication Policies > "Default Policy"), told apart by it where an org has other system policies.
const DefaultPolicyName = "Default Policy"

// DefaultAccessPolicy is the org's default ACCESS_POLICY, to which Okta binds new apps: the only system
// policy (a recorded OIE org has one, "Any two factors", and terraform-provider-okta binds apps back to it),
// or, where there are several, the system policy named "Default Policy".
func (c *Client) DefaultAccessPolicy(ctx context.Context) (*AccessPolicy, error) {
	all, err := c.ListAccessPolicies(ctx, "")
	if err != nil {
		return nil, err
	}
	var system []*AccessPolicy
	for _, p := range all {
		if p.System && p.Name == DefaultPolicyName {
			return p, nil
		}
		if p.System {
			system = append(system, p)
		}
	}
	if len(system) == 1 {
		return system[0], nil
	}
	return nil, fmt.Errorf("the okta org has no system access policy named %q (%d other system policies): %w", DefaultPolicyName, len(system), ErrNotFound)
}

// UpdateAccessPolicy sets name and description by read-modify-write; no PUT when both are as Okta holds them.
func (c *Client) UpdateAccessPolicy(ctx context.Context, id, name, description string) error {
	var raw map[string]any
	if _, err := c.Raw(ctx, "GET", "/api/v1/policies/"+url.PathEscape(id), nil, &raw); err != nil {
		return fmt.Errorf("read okta access policy %s: %w", id, err)
	}
	before := decodePolicy(raw)
	if before.Name == name && before.Description == description {
		return nil
	}
	raw["name"] = name
	if description == "" {
		delete(raw, "description")
	} else {
		raw["description"] = description
	}
	delete(raw, "_links")
	delete(raw, "_embedded")
	if _, err := c.Raw(ctx, "PUT", "/api/v1/policies/"+url.PathEscape(id), raw, nil); err != nil {
		return fmt.Errorf("update okta access policy %s: %w", id, err)
	}
	return nil
}

// DeleteAccessPolicy deletes a policy; ErrNotFound when it is already gone.
func (c *Client) DeleteAccessPolicy(ctx context.Context, id string) error {
	if _, err := c.Raw(ctx, "DELETE", "/api/v1/policies/"+url.PathEscape(id), nil, nil); err != nil {
		return fmt.Errorf("delete okta access policy %s: %w", id, err)
	}
	return nil
}

// ListAccessRules lists a policy's rules, the catch-all and inactive rules included, in Okta's priority order;
// every page is read.
func (c *Client) ListAccessRules(ctx context.Context, policyID string) ([]*AccessRule, error) {
	p := "/api/v1/policies/" + url.PathEscape(policyID) + "/rules?limit=" + fmt.Sprint(policyPageSize)
	rules, err := listAll(ctx, rawFirstPage(c, p), decodeRule)
	if err != nil {
		return nil, fmt.Errorf("list the rules of okta access policy %s: %w", policyID, err)
	}
	sort.SliceStable(rules, func(i, j int) bool { return rules[i].Priority < rules[j].Priority })
	return rules, nil
}

// CreateAccessRule creates an active rule at rule.Priority.
func (c *Client) CreateAccessRule(ctx context.Context, policyID string, rule *AccessRule) (*AccessRule, error) {
	body := rule.Encode()
	var out map[string]any
	if _, err := c.Raw(ctx, "POST", "/api/v1/policies/"+url.PathEscape(policyID)+"/rules?activate=true", body, &out); err != nil {
		return nil, fmt.Errorf("create rule %q of okta access policy %s: %w", rule.Name, policyID, err)
	}
	return decodeRule(out), nil
}

// UpdateAccessRule writes rule (read from Okta, then changed) back: the JSON Okta sent with the owned fields
// replaced, so that conditions and settings the provider does not model stay as they are.
func (c *Client) UpdateAccessRule(ctx context.Context, policyID string, rule *AccessRule) (*AccessRule, error) {
	if rule.ID == "" {
		return nil, errors.New("update of an okta access rule without an ID")
	}
	var out map[string]any
	p := "/api/v1/policies/" + url.PathEscape(policyID) + "/rules/" + url.PathEscape(rule.ID)
	if _, err := c.Raw(ctx, "PUT", p, rule.Encode(), &out); err != nil {
		return nil, fmt.Errorf("update rule %q of okta access policy %s: %w", rule.Name, policyID, err)
	}
	return decodeRule(out), nil
}

// ActivateAccessRule activates a rule deactivated in Okta (a PUT leaves the status as it is).
func (c *Client) ActivateAccessRule(ctx context.Context, policyID, ruleID string) error {
	p := "/api/v1/policies/" + url.PathEscape(policyID) + "/rules/" + url.PathEscape(ruleID) + "/lifecycle/activate"
	if _, err := c.Raw(ctx, "POST", p, nil, nil); err != nil {
		return fmt.Errorf("activate rule %s of okta access policy %s: %w", ruleID, policyID, err)
	}
	return nil
}

// DeleteAccessRule deletes a rule; ErrNotFound when it is already gone.
func (c *Client) DeleteAccessRule(ctx context.Context, policyID, ruleID string) error {
	p := "/api/v1/policies/" + url.PathEscape(policyID) + "/rules/" + url.PathEscape(ruleID)
	if _, err := c.Raw(ctx, "DELETE", p, nil, nil); err != nil {
		return fmt.Errorf("delete rule %s of okta access policy %s: %w", ruleID, policyID, err)
	}
	return nil
}

// BindAppAccessPolicy makes policyID the app's sign-in policy (PUT /api/v1/apps/{appId}/policies/{policyId}).
func (c *Client) BindAppAccessPolicy(ctx context.Context, appID, policyID string) error {
	p := "/api/v1/apps/" + url.PathEscape(appID) + "/policies/" + url.PathEscape(policyID)
	if _, err := c.Raw(ctx, "PUT", p, nil, nil); err != nil {
		return fmt.Errorf("bind okta app %s to access policy %s: %w", appID, policyID, err)
	}
	return nil
}

// AppAccessPolicyID is the ID of the policy an app is bound to, from its _links.accessPolicy; ErrNotFound
// when the app is gone.
func (c *Client) AppAccessPolicyID(ctx context.Context, appID string) (string, error) {
	var app struct {
		Links struct {
			AccessPolicy struct {
				Href string `json:"href"`
			} `json:"accessPolicy"`
		} `json:"_links"`
	}
	if _, err := c.Raw(ctx, "GET", "/api/v1/apps/"+url.PathEscape(appID), nil, &app); err != nil {
		return "", fmt.Errorf("read okta app %s: %w", appID, err)
	}
	if app.Links.AccessPolicy.Href == "" {
		return "", nil
	}
	return path.Base(app.Links.AccessPolicy.Href), nil
}

// AccessPolicyApps lists the IDs of the apps bound to a policy (GET /api/v1/policies/{id}/app).
func (c *Client) AccessPolicyApps(ctx context.Context, policyID string) ([]string, error) {
	var out []struct {
		ID string `json:"id"`
	}
	if _, err := c.Raw(ctx, "GET", "/api/v1/policies/"+url.PathEscape(policyID)+"/app", nil, &out); err != nil {
		return nil, fmt.Errorf("list the apps of okta access policy %s: %w", policyID, err)
	}
	ids := make([]string, 0, len(out))
	for _, a := range out {
		ids = append(ids, a.ID)
	}
	return ids, nil
}

func decodePolicy(m map[string]any) *AccessPolicy {
	p := &AccessPolicy{ID: jsonString(m["id"]), Name: jsonString(m["name"]), Description: jsonString(m["description"]), Status: jsonString(m["status"])}
	p.System, _ = m["system"].(bool)
	return p
}

func decodeRule(m map[string]any) *AccessRule {
	r := &AccessRule{ID: jsonString(m["id"]), Name: jsonString(m["name"]), Status: jsonString(m["status"]), raw: m,
		Created: jsonString(m["created"]), LastUpdated: jsonString(m["lastUpdated"])}
	r.System, _ = m["system"].(bool)
	if n, ok := m["priority"].(float64); ok {
		r.Priority = int(n)
	}
	cond := jsonObject(m["conditions"])
	people := jsonObject(cond["people"])
	r.GroupsInclude, r.GroupsExclude = jsonStrings(jsonObject(people["groups"])["include"]), jsonStrings(jsonObject(people["groups"])["exclude"])
	r.UsersInclude, r.UsersExclude = jsonStrings(jsonObject(people["users"])["include"]), jsonStrings(jsonObject(people["users"])["exclude"])
	network := jsonObject(cond["network"])
	r.NetworkConnection = jsonString(network["connection"])
	r.ZonesInclude, r.ZonesExclude = jsonStrings(network["include"]), jsonStrings(network["exclude"])
	device := jsonObject(cond["device"])
	r.DeviceRegistered, _ = device["registered"].(bool)
	r.DeviceManaged, _ = device["managed"].(bool)
	r.DeviceAssuranceInclude = jsonStrings(jsonObject(device["assurance"])["include"])
	for _, p := range jsonList(jsonObject(cond["platform"])["include"]) {
		pm := jsonObject(p)
		r.Platforms = append(r.Platforms, Platform{Type: jsonString(pm["type"]), OS: jsonString(jsonObject(pm["os"])["type"])})
	}
	signOn := jsonObject(jsonObject(m["actions"])["appSignOn"])
	r.Access = jsonString(signOn["access"])
	vm := jsonObject(signOn["verificationMethod"])
	r.FactorMode, r.ReauthenticateIn = jsonString(vm["factorMode"]), jsonString(vm["reauthenticateIn"])
	for _, c := range jsonList(vm["constraints"]) {
		possession := jsonObject(jsonObject(c)["possession"])
		r.PhishingResistant = r.PhishingResistant || possession["phishingResistant"] == "REQUIRED"
		r.HardwareProtected = r.HardwareProtected || possession["hardwareProtection"] == "REQUIRED"
	}
	return r
}

// Encode is the rule's request body: the JSON Okta sent (for a rule read from Okta) with the owned fields
// written into it. Conditions the rule does not set are removed; Okta reads their absence as "any".
func (r *AccessRule) Encode() map[string]any {
	m := jsonObject(deepCopyJSON(r.raw))
	for _, k := range []string{"_links", "created", "lastUpdated"} {
		delete(m, k)
	}
	m["type"] = "ACCESS_POLICY"
	m["name"] = r.Name
	if r.Priority > 0 {
		m["priority"] = r.Priority
	}
	if r.System { // the catch-all has no conditions; only its action is ours
		m["actions"] = r.encodeActions(jsonObject(m["actions"]))
		return m
	}
	cond := jsonObject(m["conditions"])
	people := map[string]any{}
	if g := includeExclude(r.GroupsInclude, r.GroupsExclude); g != nil {
		people["groups"] = g
	}
	if u := includeExclude(r.UsersInclude, r.UsersExclude); u != nil {
		people["users"] = u
	}
	setOrDelete(cond, "people", people)
	network := map[string]any{}
	if r.NetworkConnection != "" {
		network["connection"] = r.NetworkConnection
		if len(r.ZonesInclude) > 0 {
			network["include"] = r.ZonesInclude
		}
		if len(r.ZonesExclude) > 0 {
			network["exclude"] = r.ZonesExclude
		}
	}
	setOrDelete(cond, "network", network)
	device := map[string]any{}
	if r.DeviceRegistered || r.DeviceManaged || len(r.DeviceAssuranceInclude) > 0 {
		device["registered"], device["managed"] = r.DeviceRegistered, r.DeviceManaged
		if len(r.DeviceAssuranceInclude) > 0 {
			device["assurance"] = map[string]any{"include": r.DeviceAssuranceInclude}
		}
	}
	setOrDelete(cond, "device", device)
	platform := map[string]any{}
	if len(r.Platforms) > 0 {
		var include []any
		for _, p := range r.Platforms {
			include = append(include, map[string]any{"type": p.Type, "os": map[string]any{"type": p.OS}})
		}
		platform["include"] = include
	}
	setOrDelete(cond, "platform", platform)
	m["conditions"] = cond
	m["actions"] = r.encodeActions(jsonObject(m["actions"]))
	return m
}

func (r *AccessRule) encodeActions(actions map[string]any) map[string]any {
	signOn := jsonObject(actions["appSignOn"])
	signOn["access"] = r.Access
	if r.Access == "ALLOW" {
		vm := jsonObject(signOn["verificationMethod"])
		if jsonString(vm["type"]) == "" {
			vm["type"] = "ASSURANCE"
		}
		vm["factorMode"] = r.FactorMode
		if r.ReauthenticateIn != "" {
			vm["reauthenticateIn"] = r.ReauthenticateIn
		}
		vm["constraints"] = r.encodeConstraints(jsonList(vm["constraints"]))
		if len(jsonList(vm["constraints"])) == 0 {
			delete(vm, "constraints")
		}
		signOn["verificationMethod"] = vm
	}
	actions["appSignOn"] = signOn
	return actions
}

// encodeConstraints sets or clears the two possession flags the rule owns on the constraints Okta holds,
// keeping the others (knowledge factors, device binding); a flag to set with no possession constraint adds one.
// When both flags end cleared, a constraint that held nothing but a flag and "required" (the one this adds) is
// dropped: left as required-with-optional-flags it would still demand a possession factor.
func (r *AccessRule) encodeConstraints(constraints []any) []any {
	out := make([]any, 0, len(constraints)+1)
	havePossession := false
	for _, c := range constraints {
		cm := jsonObject(c)
		if p, ok := cm["possession"].(map[string]any); ok {
			havePossession = true
			hadFlag := p["phishingResistant"] == "REQUIRED" || p["hardwareProtection"] == "REQUIRED"
			setPossessionFlag(p, "phishingResistant", r.PhishingResistant)
			setPossessionFlag(p, "hardwareProtection", r.HardwareProtected)
			if hadFlag && !r.PhishingResistant && !r.HardwareProtected && onlyOwnPossession(cm) {
				continue
			}
		}
		out = append(out, cm)
	}
	if !havePossession && (r.PhishingResistant || r.HardwareProtected) {
		p := map[string]any{"required": true}
		setPossessionFlag(p, "phishingResistant", r.PhishingResistant)
		setPossessionFlag(p, "hardwareProtection", r.HardwareProtected)
		out = append(out, map[string]any{"possession": p})
	}
	return out
}

// onlyOwnPossession reports whether a constraint is a possession constraint with no keys but the ones
// encodeConstraints writes: nothing Okta or an admin set would be lost by dropping it.
func onlyOwnPossession(constraint map[string]any) bool {
	if len(constraint) != 1 {
		return false
	}
	for k := range jsonObject(constraint["possession"]) {
		if k != "required" && k != "phishingResistant" && k != "hardwareProtection" {
			return false
		}
	}
	return true
}

func setPossessionFlag(m map[string]any, key string, required bool) {
	if required {
		m[key] = "REQUIRED"
	} else if m[key] == "REQUIRED" {
		m[key] = "OPTIONAL"
	}
}

func includeExclude(include, exclude []string) map[string]any {
	if len(include) == 0 && len(exclude) == 0 {
		return nil
	}
	m := map[string]any{}
	if len(include) > 0 {
		m["include"] = include
	}
	if len(exclude) > 0 {
		m["exclude"] = exclude
	}
	return m
}

func setOrDelete(m map[string]any, key string, v map[string]any) {
	if len(v) == 0 {
		delete(m, key)
		return
	}
	m[key] = v
}

func jsonString(v any) string { s, _ := v.(string); return s }

func jsonObject(v any) map[string]any {
	if m, ok := v.(map[string]any); ok {
		return m
	}
	return map[string]any{}
}

func jsonList(v any) []any { l, _ := v.([]any); return l }

// strs is a JSON array of strings, sorted (Okta's order of IDs has no meaning); nil when empty.
func jsonStrings(v any) []string {
	var out []string
	switch l := v.(type) {
	case []any:
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	case []string:
		out = slices.Clone(l)
	}
	slices.Sort(out)
	return out
}
