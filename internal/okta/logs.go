package okta

import (
	"context"
	"errors"
	"fmt"
	"time"

	oktasdk "github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
)

// maxLogPage is the largest page GET /api/v1/logs serves (okta-api.md §11).
const maxLogPage = 1000

// LogEvent is what the provider reads of a System Log event.
type LogEvent struct {
	UUID           string
	Published      time.Time
	EventType      string
	DisplayMessage string
	Result         string // outcome.result: SUCCESS, FAILURE, ALLOW, DENY, CHALLENGE, …
	Reason         string // outcome.reason, "" when Okta gives none
	ActorID        string
	ActorLogin     string // actor.alternateId: a user's login
	ActorName      string
	ClientIP       string
	Targets        []LogTarget
}

// LogTarget is one of an event's targets.
type LogTarget struct {
	ID, Type, AlternateID, DisplayName string
}

// LogQuery is a bounded System Log read: events published in [Since, Until) that Filter and Q select, newest
// first, at most Limit of them.
type LogQuery struct {
	Since, Until time.Time
	Filter       string // Okta filter expression, e.g. `target.id eq "0oa…"`; "" for none
	Q            string // keywords; "" for none
	Limit        int
	PageSize     int // events per request; 0 asks for Limit (at most 1,000), so most reads are one request
}

// errEnoughEvents stops the paginator once the query's limit is reached.
var errEnoughEvents = errors.New("enough events")

// ListLogEvents reads the System Log (GET /api/v1/logs with since, until, filter, q, sortOrder=DESCENDING and
// limit) and follows its `Link: …; rel="next"` pages until Limit events are read or a page has no next link.
// Okta does the filtering; a page is at most 1,000 events, so Limit ≤ 1,000 costs one request.
func (c *Client) ListLogEvents(ctx context.Context, q LogQuery) ([]LogEvent, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("%w: a System Log read needs a positive limit", ErrValidation)
	}
	if !q.Since.Before(q.Until) {
		return nil, fmt.Errorf("%w: the System Log window starts at %s, not before its end %s", ErrValidation,
			q.Since.UTC().Format(time.RFC3339), q.Until.UTC().Format(time.RFC3339))
	}
	pageSize := min(q.Limit, maxLogPage)
	if q.PageSize > 0 {
		pageSize = min(q.PageSize, maxLogPage)
	}
	// Okta's timestamps have milliseconds: since rounds down and until (exclusive) up, so that an event of the
	// window's last millisecond is not lost.
	until := q.Until.UTC()
	if !until.Equal(until.Truncate(time.Millisecond)) {
		until = until.Truncate(time.Millisecond).Add(time.Millisecond)
	}
	opts := []query.ParamOptions{
		query.WithSince(q.Since.UTC().Format("2006-01-02T15:04:05.000Z")),
		query.WithUntil(until.Format("2006-01-02T15:04:05.000Z")),
		query.WithSortOrder("DESCENDING"),
		query.WithLimit(int64(pageSize)),
	}
	if q.Filter != "" {
		opts = append(opts, query.WithFilter(q.Filter))
	}
	if q.Q != "" {
		opts = append(opts, query.WithQ(q.Q))
	}
	first := func(ctx context.Context) ([]*oktasdk.LogEvent, *oktasdk.Response, error) {
		return c.SDK.LogEvent.GetLogs(ctx, query.NewQueryParams(opts...))
	}
	var out []LogEvent
	err := eachPage(ctx, first, func(page []*oktasdk.LogEvent) error {
		for _, e := range page {
			if e == nil {
				continue
			}
			out = append(out, logEventOf(e))
			if len(out) >= q.Limit {
				return errEnoughEvents
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnoughEvents) {
		return nil, fmt.Errorf("read the okta System Log: %w", err)
	}
	return out, nil
}

func logEventOf(e *oktasdk.LogEvent) LogEvent {
	out := LogEvent{UUID: e.Uuid, EventType: e.EventType, DisplayMessage: e.DisplayMessage}
	if e.Published != nil {
		out.Published = e.Published.UTC()
	}
	if e.Outcome != nil {
		out.Result, out.Reason = e.Outcome.Result, e.Outcome.Reason
	}
	if e.Actor != nil {
		out.ActorID, out.ActorLogin, out.ActorName = e.Actor.Id, e.Actor.AlternateId, e.Actor.DisplayName
	}
	if e.Client != nil {
		out.ClientIP = e.Client.IpAddress
	}
	for _, t := range e.Target {
		if t != nil {
			out.Targets = append(out.Targets, LogTarget{ID: t.Id, Type: t.Type, AlternateID: t.AlternateId, DisplayName: t.DisplayName})
		}
	}
	return out
}
