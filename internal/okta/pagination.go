package okta

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	oktasdk "github.com/okta/okta-sdk-golang/v2/okta"
)

// firstPageFunc fetches page one of an Okta list: a typed v2 list call, or Raw for a list v2 has no
// types for. Its query (limit, q, filter, expand) is the whole list's: the SDK carries it into every
// next link (okta-api.md §0 item 4).
type firstPageFunc[S any] func(ctx context.Context) ([]S, *oktasdk.Response, error)

// eachPage is the one Okta paginator: it calls visit with every page of a list in order, the page first
// returns and then each page a response's `Link: <…>; rel="next"` names, until a response has none.
// It stops at the first error: a failed page (converted with ConvertError), visit's own error, ctx
// cancelled between pages, or a next link that names a page already read. Each page is one request.
func eachPage[S any](ctx context.Context, first firstPageFunc[S], visit func(page []S) error) error {
	page, resp, err := first(ctx)
	if err != nil {
		return ConvertError(resp, err)
	}
	read := map[string]bool{}
	for {
		if err := visit(page); err != nil {
			return err
		}
		if resp == nil || !resp.HasNextPage() {
			return nil
		}
		// A proxy that joins the Link lines into one makes v2 read self as next; that would page forever.
		if resp.NextPage == resp.Self || read[resp.NextPage] {
			return fmt.Errorf("okta list: the Link header's next page %s repeats a page already read", resp.NextPage)
		}
		read[resp.NextPage] = true
		if err := ctx.Err(); err != nil {
			return err
		}
		page = nil
		if resp, err = resp.Next(ctx, &page); err != nil {
			return ConvertError(resp, err)
		}
	}
}

// listAll reads every page of a list (see eachPage) and converts each item; no items is a nil slice.
func listAll[S, T any](ctx context.Context, first firstPageFunc[S], convert func(S) T) ([]T, error) {
	var all []T
	err := eachPage(ctx, first, func(page []S) error {
		for _, item := range page {
			all = append(all, convert(item))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return all, nil
}

// rejectUnparsableLinks returns a client that sends everything through next and turns a response with
// a Link header v2 cannot parse into an error: v2.20.0's newResponse dereferences the nil URL of a failed
// url.Parse, which would crash the provider instead of failing the call.
func rejectUnparsableLinks(next *http.Client) *http.Client {
	return &http.Client{
		Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
			resp, err := next.Do(req)
			if err != nil {
				return nil, err
			}
			for _, link := range resp.Header.Values("Link") {
				// v2's reading: the text before the first ";" with its angle brackets trimmed; no ";" is skipped.
				target, _, ok := strings.Cut(link, ";")
				if !ok {
					continue
				}
				if _, err := url.Parse(strings.TrimRight(strings.TrimLeft(target, "<"), ">")); err != nil {
					_ = resp.Body.Close()
					return nil, fmt.Errorf("okta sent a malformed Link header: %w", err)
				}
			}
			return resp, nil
		}),
		// next has already applied its redirect policy.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
