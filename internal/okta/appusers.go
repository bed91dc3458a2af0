package okta

import (
	"context"
	"fmt"

	oktasdk "github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
)

// AppUserWithUser is an app user together with the Okta user it stands for, as ?expand=user embeds it.
type AppUserWithUser struct {
	AppUser
	// UserStatus is the Okta user's status (ACTIVE, SUSPENDED, …); UserProfile its Okta user profile.
	UserStatus  string
	UserProfile map[string]any
}

// ListAppUsersExpanded reads every app user of the app with its embedded Okta user, 500 per call, so that
// provisioning needs ⌈n/500⌉ calls instead of one user read per app user.
func (c *Client) ListAppUsersExpanded(ctx context.Context, appID string) ([]AppUserWithUser, error) {
	qp := query.NewQueryParams(query.WithLimit(appUserPageSize), query.WithExpand("user"))
	users, err := listAll(ctx, func(ctx context.Context) ([]*oktasdk.AppUser, *oktasdk.Response, error) {
		return c.SDK.Application.ListApplicationUsers(ctx, appID, qp)
	}, expandedAppUserFromSDK)
	if err != nil {
		return nil, fmt.Errorf("okta app %s users: %w", appID, err)
	}
	return users, nil
}

func expandedAppUserFromSDK(u *oktasdk.AppUser) AppUserWithUser {
	out := AppUserWithUser{AppUser: appUserFromSDK(u), UserProfile: map[string]any{}}
	embedded, _ := u.Embedded.(map[string]any)
	user, _ := embedded["user"].(map[string]any)
	out.UserStatus, _ = user["status"].(string)
	if p, ok := user["profile"].(map[string]any); ok {
		out.UserProfile = p
	}
	return out
}
