package salesforce

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Profile is a Salesforce profile and the user license its users hold.
type Profile struct {
	ID          string
	Name        string
	UserLicense string
}

// Role is a UserRole of the role hierarchy.
type Role struct {
	ID            string
	Name          string
	DeveloperName string
	ParentRoleID  string
}

// PermissionSet is a PermissionSet row. Profile-owned sets (IsOwnedByProfile) and the aggregate sets of
// permission set groups (PermissionSetGroupID set) exist as rows too but cannot be assigned directly.
type PermissionSet struct {
	ID                   string
	Name                 string
	Label                string
	IsOwnedByProfile     bool
	PermissionSetGroupID string
	LicenseID            string
}

// Assignable reports whether the set can be assigned by itself (not a profile's or a group's).
func (p PermissionSet) Assignable() bool { return !p.IsOwnedByProfile && p.PermissionSetGroupID == "" }

// PermissionSetGroup is a PermissionSetGroup, named by its DeveloperName.
type PermissionSetGroup struct {
	ID            string
	DeveloperName string
	Label         string
}

// ListProfiles reads every profile with its license name in one query (the client's first read of them
// takes them from its batch of name reads, names.go).
func (c *Client) ListProfiles(ctx context.Context) ([]Profile, error) {
	return listProfiles(c.nameRead(ctx, nameProfiles))
}

func listProfiles(read func(out any) error) ([]Profile, error) {
	var rows []struct {
		ID          string `json:"Id"`
		Name        string `json:"Name"`
		UserLicense *struct {
			Name string `json:"Name"`
		} `json:"UserLicense"`
	}
	if err := read(&rows); err != nil {
		return nil, err
	}
	out := make([]Profile, len(rows))
	for i, r := range rows {
		out[i] = Profile{ID: r.ID, Name: r.Name}
		if r.UserLicense != nil {
			out[i].UserLicense = r.UserLicense.Name
		}
	}
	return out, nil
}

// ListRoles reads the whole role hierarchy in one query (the client's first read of it takes it from its
// batch of name reads, names.go).
func (c *Client) ListRoles(ctx context.Context) ([]Role, error) {
	return listRoles(c.nameRead(ctx, nameRoles))
}

func listRoles(read func(out any) error) ([]Role, error) {
	var rows []struct {
		ID            string  `json:"Id"`
		Name          string  `json:"Name"`
		DeveloperName string  `json:"DeveloperName"`
		ParentRoleID  *string `json:"ParentRoleId"`
	}
	if err := read(&rows); err != nil {
		return nil, err
	}
	out := make([]Role, len(rows))
	for i, r := range rows {
		out[i] = Role{ID: r.ID, Name: r.Name, DeveloperName: r.DeveloperName}
		if r.ParentRoleID != nil {
			out[i].ParentRoleID = *r.ParentRoleID
		}
	}
	return out, nil
}

// ListPermissionSets reads every permission set row, profile-owned and group aggregates included, so
// that a name can be told apart as "not assignable" rather than "not found". The client's first read of
// them takes them from its batch of name reads (names.go).
func (c *Client) ListPermissionSets(ctx context.Context) ([]PermissionSet, error) {
	return listPermissionSets(c.nameRead(ctx, namePermissionSets))
}

func listPermissionSets(read func(out any) error) ([]PermissionSet, error) {
	var rows []struct {
		ID                   string  `json:"Id"`
		Name                 string  `json:"Name"`
		Label                string  `json:"Label"`
		IsOwnedByProfile     bool    `json:"IsOwnedByProfile"`
		PermissionSetGroupID *string `json:"PermissionSetGroupId"`
		LicenseID            *string `json:"LicenseId"`
	}
	if err := read(&rows); err != nil {
		return nil, err
	}
	out := make([]PermissionSet, len(rows))
	for i, r := range rows {
		out[i] = PermissionSet{ID: r.ID, Name: r.Name, Label: r.Label, IsOwnedByProfile: r.IsOwnedByProfile}
		if r.PermissionSetGroupID != nil {
			out[i].PermissionSetGroupID = *r.PermissionSetGroupID
		}
		if r.LicenseID != nil {
			out[i].LicenseID = *r.LicenseID
		}
	}
	return out, nil
}

// ListPermissionSetGroups reads every permission set group in one query (the client's first read of them
// takes them from its batch of name reads, names.go).
func (c *Client) ListPermissionSetGroups(ctx context.Context) ([]PermissionSetGroup, error) {
	return listPermissionSetGroups(c.nameRead(ctx, namePermissionSetGroups))
}

func listPermissionSetGroups(read func(out any) error) ([]PermissionSetGroup, error) {
	var rows []struct {
		ID            string `json:"Id"`
		DeveloperName string `json:"DeveloperName"`
		MasterLabel   string `json:"MasterLabel"`
	}
	if err := read(&rows); err != nil {
		return nil, err
	}
	out := make([]PermissionSetGroup, len(rows))
	for i, r := range rows {
		out[i] = PermissionSetGroup{ID: r.ID, DeveloperName: r.DeveloperName, Label: r.MasterLabel}
	}
	return out, nil
}

// NameNotFoundError says that no object of a kind has a name, with the closest names the org has.
// It unwraps to ErrNotFound.
type NameNotFoundError struct {
	Kind        string // "profile", "role", "permission set"
	Name        string
	Org         string
	Suggestions []string
}

func (e *NameNotFoundError) Error() string {
	msg := fmt.Sprintf("salesforce org %q has no %s named %q", e.Org, e.Kind, e.Name)
	if len(e.Suggestions) == 0 {
		return msg
	}
	quoted := make([]string, len(e.Suggestions))
	for i, s := range e.Suggestions {
		quoted[i] = fmt.Sprintf("%q", s)
	}
	return msg + "; did you mean " + strings.Join(quoted, ", ") + "?"
}

func (e *NameNotFoundError) Unwrap() error { return ErrNotFound }

// NewNameNotFoundError builds the error for a name missing among candidates, suggesting the closest of them.
func (c *Client) NewNameNotFoundError(kind, name string, candidates []string) *NameNotFoundError {
	return &NameNotFoundError{Kind: kind, Name: name, Org: c.alias, Suggestions: Suggest(name, candidates, 3)}
}

// Suggest returns at most n candidates closest to name by edit distance (case-insensitive), nearest
// first; candidates so far away that they share almost nothing with name are left out.
func Suggest(name string, candidates []string, n int) []string {
	type scored struct {
		name string
		dist int
	}
	target := strings.ToLower(name)
	seen := map[string]bool{}
	var all []scored
	for _, c := range candidates {
		if seen[c] || c == "" {
			continue
		}
		seen[c] = true
		d := editDistance(target, strings.ToLower(c))
		// Beyond this the candidate is a different word, not a typo of name.
		if limit := max(len([]rune(target)), len([]rune(c)), 3) * 2 / 3; d > limit {
			continue
		}
		all = append(all, scored{c, d})
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].dist != all[j].dist {
			return all[i].dist < all[j].dist
		}
		return all[i].name < all[j].name
	})
	out := []string{}
	for i := 0; i < len(all) && i < n; i++ {
		out = append(out, all[i].name)
	}
	return out
}

// editDistance is the Levenshtein distance between a and b, counted in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
