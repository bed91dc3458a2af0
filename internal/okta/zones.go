package okta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	oktasdk "github.com/okta/okta-sdk-golang/v2/okta"

	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// zonePageSize is the page size of zone lists (Okta's default, -1, means all at once, which a proxy may cut).
const zonePageSize = 200

// Network zone status and usage values (okta-api.md §9).
const (
	ZoneActive    = "ACTIVE"
	ZoneInactive  = "INACTIVE"
	ZoneIP        = "IP"
	ZonePolicy    = "POLICY"
	ZoneBlocklist = "BLOCKLIST"
)

// ZoneAddress is one gateway or proxy entry: type CIDR ("10.0.0.0/24") or RANGE ("10.0.0.1-10.0.0.9";
// Okta stores a single address given as RANGE as "a-a").
type ZoneAddress struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// NetworkZone is the part of an Okta network zone the provider uses; Type is IP for the zones it manages.
type NetworkZone struct {
	ID       string        `json:"id,omitempty"`
	Name     string        `json:"name"`
	Type     string        `json:"type"`
	Status   string        `json:"status,omitempty"`
	Usage    string        `json:"usage,omitempty"`
	System   bool          `json:"system,omitempty"`
	Gateways []ZoneAddress `json:"gateways"`
	Proxies  []ZoneAddress `json:"proxies"` // null when the zone has none
}

// zonePath is the path of one zone, its ID escaped.
func zonePath(id string) string { return "/api/v1/zones/" + url.PathEscape(id) }

// GetNetworkZone reads one zone; a zone that is gone is ErrNotFound.
func (c *Client) GetNetworkZone(ctx context.Context, id string) (*NetworkZone, error) {
	var z NetworkZone
	if _, err := c.Raw(ctx, http.MethodGet, zonePath(id), nil, &z); err != nil {
		return nil, fmt.Errorf("read okta network zone %s: %w", id, err)
	}
	return &z, nil
}

// FindNetworkZonesByName returns every zone named exactly name. Okta's zone filter knows id, usage and
// system but not name, so all pages are read and matched here.
func (c *Client) FindNetworkZonesByName(ctx context.Context, name string) ([]*NetworkZone, error) {
	q := url.Values{"limit": {fmt.Sprint(zonePageSize)}}
	firstPage := func(ctx context.Context) ([]*NetworkZone, *oktasdk.Response, error) {
		var page []*NetworkZone
		resp, err := c.Raw(ctx, http.MethodGet, "/api/v1/zones?"+q.Encode(), nil, &page)
		return page, resp, err
	}
	var out []*NetworkZone
	err := eachPage(ctx, firstPage, func(page []*NetworkZone) error {
		for _, z := range page {
			if z.Name == name {
				out = append(out, z)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list okta network zones: %w", err)
	}
	return out, nil
}

// CreateNetworkZone creates z with the status it carries. The POST is not replayed: a lost answer reaches
// the caller, whose next create looks for the zone by name (a replay would make a second zone).
func (c *Client) CreateNetworkZone(ctx context.Context, z *NetworkZone) (*NetworkZone, error) {
	body := *z
	body.ID, body.System = "", false
	var created NetworkZone
	if _, err := c.Raw(ctx, http.MethodPost, "/api/v1/zones", body, &created); err != nil {
		return nil, fmt.Errorf("create okta network zone %q: %w", z.Name, err)
	}
	return &created, nil
}

// UpdateNetworkZone reads zone id, lets change set the fields the provider owns and writes the zone back:
// PUT replaces the whole zone, so what the provider does not own (fields Okta added since this client was
// written) is sent back as read.
func (c *Client) UpdateNetworkZone(ctx context.Context, id string, change func(*NetworkZone)) (*NetworkZone, error) {
	var raw map[string]any
	if _, err := c.Raw(ctx, http.MethodGet, zonePath(id), nil, &raw); err != nil {
		return nil, fmt.Errorf("read okta network zone %s: %w", id, err)
	}
	var z NetworkZone
	if err := remarshal(raw, &z); err != nil {
		return nil, fmt.Errorf("decode okta network zone %s: %w", id, err)
	}
	change(&z)
	raw["name"], raw["usage"], raw["gateways"] = z.Name, z.Usage, z.Gateways
	if z.Proxies == nil {
		raw["proxies"] = nil
	} else {
		raw["proxies"] = z.Proxies
	}
	for _, readOnly := range []string{"id", "created", "lastUpdated", "_links", "system"} {
		delete(raw, readOnly)
	}
	var updated NetworkZone
	if _, err := c.Raw(ctx, http.MethodPut, zonePath(id), raw, &updated); err != nil {
		return nil, fmt.Errorf("update okta network zone %s: %w", id, err)
	}
	return &updated, nil
}

// ActivateNetworkZone activates zone id (idempotent, so replayed after a lost answer).
func (c *Client) ActivateNetworkZone(ctx context.Context, id string) (*NetworkZone, error) {
	return c.zoneLifecycle(ctx, id, "activate")
}

// DeactivateNetworkZone deactivates zone id (idempotent).
func (c *Client) DeactivateNetworkZone(ctx context.Context, id string) (*NetworkZone, error) {
	return c.zoneLifecycle(ctx, id, "deactivate")
}

func (c *Client) zoneLifecycle(ctx context.Context, id, op string) (*NetworkZone, error) {
	var z NetworkZone
	if _, err := c.Raw(transport.WithIdempotent(ctx), http.MethodPost, zonePath(id)+"/lifecycle/"+op, nil, &z); err != nil {
		return nil, fmt.Errorf("%s okta network zone %s: %w", op, id, err)
	}
	return &z, nil
}

// ErrSystemZone is the answer to deleting one of the zones every org has (LegacyIpZone, BlockedIpZone, …),
// which Okta refuses; checked before any write, so the zone is left as it was.
var ErrSystemZone = errors.New("okta does not delete system network zones")

// ErrZoneInUse is the answer to deleting a zone that a policy rule still names (Okta answers 400; its code is
// unverified, okta-api.md §14, so any validation error of the DELETE counts).
var ErrZoneInUse = errors.New("network zone is still used by policy rule(s)")

// reactivateTimeout bounds the compensating activate after a failed delete.
const reactivateTimeout = 30 * time.Second

// DeleteNetworkZone deactivates zone id, when it is active, and deletes it: Okta deletes only inactive
// zones. A zone that is gone is ErrNotFound; a system zone is ErrSystemZone, and left untouched. When the
// DELETE fails after this call deactivated the zone, the zone is activated again: an INACTIVE zone stops
// matching in every rule that names it (rules this provider does not manage included). A zone a rule still
// names is ErrZoneInUse.
func (c *Client) DeleteNetworkZone(ctx context.Context, id string) error {
	z, err := c.GetNetworkZone(ctx, id)
	if err != nil {
		return err
	}
	if z.System {
		return fmt.Errorf("network zone %s (%q): %w", id, z.Name, ErrSystemZone)
	}
	deactivated := false
	if z.Status != ZoneInactive {
		if _, err := c.DeactivateNetworkZone(ctx, id); err != nil {
			return err
		}
		deactivated = true
	}
	_, err = c.Raw(ctx, http.MethodDelete, zonePath(id), nil, nil)
	if err == nil || errors.Is(err, ErrNotFound) {
		return err
	}
	restored := ""
	if deactivated {
		// Not cancelled with ctx: a zone left INACTIVE is the worse outcome of an interrupted destroy.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reactivateTimeout)
		defer cancel()
		if _, aerr := c.ActivateNetworkZone(rctx, id); aerr != nil && !errors.Is(aerr, ErrNotFound) {
			restored = fmt.Sprintf("; it was deactivated for the delete and reactivating it failed (%v): activate it in Okta", aerr)
		} else {
			restored = "; it was reactivated"
		}
	}
	if errors.Is(err, ErrValidation) || errors.Is(err, ErrConflict) {
		return &zoneInUseError{id: id, name: z.Name, cause: err, restored: restored}
	}
	return fmt.Errorf("delete okta network zone %s: %w%s", id, err, restored)
}

// zoneInUseError is ErrZoneInUse with Okta's own answer and what became of the zone's status.
type zoneInUseError struct {
	id, name, restored string
	cause              error
}

func (e *zoneInUseError) Error() string {
	return fmt.Sprintf("zone %s (%q) is still used by policy rule(s) (Okta: %v)%s; remove it from those rules first", e.id, e.name, e.cause, e.restored)
}

func (e *zoneInUseError) Unwrap() []error { return []error{ErrZoneInUse, e.cause} }

// remarshal decodes a generic JSON value into out.
func remarshal(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}
