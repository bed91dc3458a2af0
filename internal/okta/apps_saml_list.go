package okta

import (
	"context"
	"fmt"
	"net/url"

	oktasdk "github.com/okta/okta-sdk-golang/v2/okta"
)

// ListActiveSAMLApps returns every active SAML 2.0 app (custom or catalogue). Okta's apps filter knows
// status but not signOnMode, so the sign-on mode is checked here; all pages are read.
func (c *Client) ListActiveSAMLApps(ctx context.Context) ([]*SAMLApp, error) {
	q := url.Values{"filter": {`status eq "ACTIVE"`}, "limit": {fmt.Sprint(appPageSize)}}
	firstPage := func(ctx context.Context) ([]map[string]any, *oktasdk.Response, error) {
		var page []map[string]any
		resp, err := c.Raw(ctx, "GET", "/api/v1/apps?"+q.Encode(), nil, &page)
		return page, resp, err
	}
	var out []*SAMLApp
	err := eachPage(ctx, firstPage, func(page []map[string]any) error {
		for _, raw := range page {
			if mode, _ := raw["signOnMode"].(string); mode != "SAML_2_0" {
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
		return nil, fmt.Errorf("list active okta SAML apps: %w", err)
	}
	return out, nil
}
