package okta

import (
	"context"
	"errors"
	"fmt"
	"net/url"

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

// GetAppUserExpanded reads one app user with its embedded Okta user; found is false when the user is not
// an app user of the app (Okta answers 404).
func (c *Client) GetAppUserExpanded(ctx context.Context, appID, userID string) (u AppUserWithUser, found bool, err error) {
	au, resp, err := c.SDK.Application.GetApplicationUser(ctx, url.PathEscape(appID), url.PathEscape(userID), query.NewQueryParams(query.WithExpand("user")))
	if err != nil {
		if err = ConvertError(resp, err); errors.Is(err, ErrNotFound) {
			return AppUserWithUser{}, false, nil
		}
		return AppUserWithUser{}, false, fmt.Errorf("okta app %s user %s: %w", appID, userID, err)
	}
	return expandedAppUserFromSDK(au), true, nil
}
