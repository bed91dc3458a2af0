package okta

import (
	"context"
	"fmt"
	"net/http"
	"time"

	oktasdk "github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
)

// Change markers: what lets a caller that read groups and users before re-read only what moved since.

// groupMarkerPageSize is Okta's largest group page: a few hundred groups are one request.
const groupMarkerPageSize = 10000

// changedUserPageSize is the largest page of a user search.
const changedUserPageSize = 200

// GroupMarkers are every group's lastMembershipUpdated, and the time on Okta's clock when Okta answered
// (the first page's Date header), which a later search for changed users starts from.
type GroupMarkers struct {
	MembershipUpdated map[string]string // group ID → lastMembershipUpdated (RFC 3339, as Okta wrote it)
	Date              time.Time
}

// ListGroupMarkers lists all groups with their lastMembershipUpdated, 10000 per request.
func (c *Client) ListGroupMarkers(ctx context.Context) (GroupMarkers, error) {
	out := GroupMarkers{MembershipUpdated: map[string]string{}}
	first := func(ctx context.Context) ([]*oktasdk.Group, *oktasdk.Response, error) {
		groups, resp, err := c.SDK.Group.ListGroups(ctx, &query.Params{Limit: groupMarkerPageSize})
		if err == nil {
			out.Date = responseDate(resp)
		}
		return groups, resp, err
	}
	err := eachPage(ctx, first, func(page []*oktasdk.Group) error {
		for _, g := range page {
			out.MembershipUpdated[g.Id] = formatMarkerTime(g.LastMembershipUpdated)
		}
		return nil
	})
	if err != nil {
		return GroupMarkers{}, fmt.Errorf("okta groups: %w", err)
	}
	return out, nil
}

// responseDate is Okta's clock at the response: its Date header, or the zero time when there is none to
// read (a proxy may drop it): the caller then has no clock to build change markers on.
func responseDate(resp *oktasdk.Response) time.Time {
	if resp == nil || resp.Response == nil {
		return time.Time{}
	}
	d, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return time.Time{}
	}
	return d.UTC()
}

func formatMarkerTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// ChangedUser is a user whose lastUpdated is after a given time: its profile or status changed.
type ChangedUser struct {
	GroupMember
	LastUpdated time.Time
}

// UsersUpdatedSince searches the users (every status) whose lastUpdated is after since, 200 per request.
// The search index trails writes by a few seconds; callers pass a since some minutes back.
func (c *Client) UsersUpdatedSince(ctx context.Context, since time.Time) ([]ChangedUser, error) {
	search := fmt.Sprintf("lastUpdated gt %q", since.UTC().Format("2006-01-02T15:04:05.000Z"))
	users, err := listAll(ctx, func(ctx context.Context) ([]*oktasdk.User, *oktasdk.Response, error) {
		return c.SDK.User.ListUsers(ctx, &query.Params{Search: search, Limit: changedUserPageSize})
	}, func(u *oktasdk.User) ChangedUser {
		cu := ChangedUser{GroupMember: memberFromSDK(u)}
		if u.LastUpdated != nil {
			cu.LastUpdated = u.LastUpdated.UTC()
		}
		return cu
	})
	if err != nil {
		return nil, fmt.Errorf("okta users updated since %s: %w", since.UTC().Format(time.RFC3339), err)
	}
	return users, nil
}
