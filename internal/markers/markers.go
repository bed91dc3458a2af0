// Package markers is what the resources that re-read only what moved share: how they keep a record of their
// last read in private state, and when a change marker is settled enough to build on.
package markers

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// OktaSinceMargin is taken off Okta's clock for the next search of changed users (and of System Log
// events): Okta's search index trails writes by seconds, and the Date header counts whole seconds.
const OktaSinceMargin = 5 * time.Minute

// SalesforceSettleMargin is how far back from Salesforce's clock a user's SystemModstamp may still be joined
// by changes the user marker does not count yet: Salesforce stamps to the second (a second change within the
// second of the latest stamp moves no marker) and sets SystemModstamp before its transaction commits (a row
// may become visible after a marker read with an older stamp). A user marker whose latest stamp is this close
// to the time it was read is unsettled: the next read looks at the users stamped since then less this margin.
const SalesforceSettleMargin = time.Minute

// SalesforceCommitAllowance is how long after its SystemModstamp a Salesforce transaction may commit and still
// be seen by a read that relies on stamps: a row (or an aggregate's latest stamp) read less than this, plus
// the second of its stamp (Salesforce stamps to the second), after that stamp is unsettled — a later change in
// the same second would leave the stamp as read. A change committed later than this after its stamp is the
// one change such a read cannot see; a full read finds it (every read once the last full one is older than
// the resource's retention).
const SalesforceCommitAllowance = time.Second

// SalesforceSettleWait is how long a resource that wrote Salesforce records waits before it reads them back
// with their stamps, so that what it read is settled and the next plan need not read it again.
const SalesforceSettleWait = SalesforceCommitAllowance + 1100*time.Millisecond

// SettledRow says whether a row stamped stamp, read after Salesforce's clock showed date, is settled.
func SettledRow(stamp, date time.Time) bool {
	return !stamp.Truncate(time.Second).After(date.Add(-SalesforceCommitAllowance - time.Second))
}

// Sleep waits d unless ctx ends first (false then).
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// packed is how a record is stored: its JSON gzipped, in base64. Records over many users are megabytes of
// JSON that repeats its keys; private state values must be JSON, so the packed form is a JSON object
// holding a string.
type packed struct {
	Gzip string `json:"gzip"`
}

// Pack is v as a private state value; nil packs as {}, which Unpack reads as no record.
func Pack(v any) []byte {
	if v == nil {
		return []byte("{}")
	}
	plain, _ := json.Marshal(v) // records are maps, slices and strings: they always marshal
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // a valid level: no error
	_, _ = zw.Write(plain)                             // writes to memory do not fail
	_ = zw.Close()
	raw, _ := json.Marshal(packed{Gzip: base64.StdEncoding.EncodeToString(buf.Bytes())})
	return raw
}

// Unpack reads into v what Pack stored, or the plain JSON earlier versions stored; false when raw holds no
// record or an unreadable one (the caller then reads everything).
func Unpack(raw []byte, v any) bool {
	if len(raw) == 0 {
		return false
	}
	var p packed
	if err := json.Unmarshal(raw, &p); err == nil && p.Gzip != "" {
		compressed, err := base64.StdEncoding.DecodeString(p.Gzip)
		if err != nil {
			return false
		}
		zr, err := gzip.NewReader(bytes.NewReader(compressed))
		if err != nil {
			return false
		}
		if raw, err = io.ReadAll(zr); err != nil {
			return false
		}
	}
	return json.Unmarshal(raw, v) == nil
}

// SettledGroupMarker is gid's lastMembershipUpdated when no membership change can hide behind it, else ""
// (the next read reads the members again). Okta stamps to the second: a second change within the second of
// the markers' Date leaves lastMembershipUpdated as it was (and a member's lastUpdated too), so a marker at
// or after Date less a second is unsettled.
func SettledGroupMarker(mk okta.GroupMarkers, gid string) string {
	updated := mk.MembershipUpdated[gid]
	t, err := time.Parse(time.RFC3339Nano, updated)
	if err != nil || !t.Before(mk.Date.Add(-time.Second)) {
		return ""
	}
	return updated
}

// UsersSince says whether the users modified since a read that recorded the user marker prior at
// Salesforce's time date must be read, and from when: from prior's latest stamp when the marker moved
// (now is this run's); from that stamp less SalesforceSettleMargin, whether it moved or not, when the stamp
// was that close to date (or either is unknown); from the start when the stamp was ahead of date.
func UsersSince(prior salesforce.Marker, date time.Time, now salesforce.Marker) (time.Time, bool) {
	last, err := salesforce.ParseDateTime(prior.Max)
	if err != nil {
		return time.Unix(0, 0), true // no stamp to start from: every user
	}
	if !date.IsZero() && last.After(date.Add(time.Second)) {
		// A stamp ahead of the clock that read it (the org's clock went back): later changes are stamped
		// before it, and only reading every user finds them.
		return time.Unix(0, 0), true
	}
	if date.IsZero() || date.Sub(last) < SalesforceSettleMargin {
		return last.Add(-SalesforceSettleMargin), true
	}
	return last, now != prior
}
