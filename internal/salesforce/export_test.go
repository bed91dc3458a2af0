package salesforce

import "context"

// The name reads with a query of their own each, never from the client's batch: what the batch must equal.

func (c *Client) SingleProfiles(ctx context.Context) ([]Profile, error) {
	return listProfiles(c.singleRead(ctx, nameProfiles))
}

func (c *Client) SingleRoles(ctx context.Context) ([]Role, error) {
	return listRoles(c.singleRead(ctx, nameRoles))
}

func (c *Client) SinglePermissionSets(ctx context.Context) ([]PermissionSet, error) {
	return listPermissionSets(c.singleRead(ctx, namePermissionSets))
}

func (c *Client) SinglePermissionSetGroups(ctx context.Context) ([]PermissionSetGroup, error) {
	return listPermissionSetGroups(c.singleRead(ctx, namePermissionSetGroups))
}
