package okta

import (
	"context"
	"fmt"
	"net/url"

	oktasdk "github.com/okta/okta-sdk-golang/v2/okta"
)

// ListApps returns every app of the org, whatever its status or sign-on mode; all pages are read.
func (c *Client) ListApps(ctx context.Context) ([]*SAMLApp, error) {
	return c.listApps(ctx, url.Values{"limit": {fmt.Sprint(appPageSize)}}, func(map[string]any) bool { return true }, "list okta apps")
}

// ListActiveSAMLApps returns every active SAML 2.0 app (custom or catalogue). Okta's apps filter knows
// status but not signOnMode, so the sign-on mode is checked here; all pages are read.
func (c *Client) ListActiveSAMLApps(ctx context.Context) ([]*SAMLApp, error) {
	q := url.Values{"filter": {`status eq "ACTIVE"`}, "limit": {fmt.Sprint(appPageSize)}}
	saml := func(raw map[string]any) bool { return str(raw, "signOnMode") == "SAML_2_0" }
	return c.listApps(ctx, q, saml, "list active okta SAML apps")
}

// listApps reads every page of the apps list that q selects, and decodes the apps keep keeps (from Okta's
// JSON); failures are wrapped in what.
func (c *Client) listApps(ctx context.Context, q url.Values, keep func(raw map[string]any) bool, what string) ([]*SAMLApp, error) {
	firstPage := func(ctx context.Context) ([]map[string]any, *oktasdk.Response, error) {
		var page []map[string]any
		resp, err := c.Raw(ctx, "GET", "/api/v1/apps?"+q.Encode(), nil, &page)
		return page, resp, err
	}
	var out []*SAMLApp
	err := eachPage(ctx, firstPage, func(page []map[string]any) error {
		for _, raw := range page {
			if !keep(raw) {
				continue
			}
			app, err := decodeSAMLApp(raw)
			if err != nil {
				return err
			}
			out = append(out, app)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}
