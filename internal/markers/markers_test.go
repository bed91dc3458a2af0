package markers

import (
	"testing"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

// A group whose lastMembershipUpdated is within the second before the groups list's Date (or later, or
// empty) is unsettled: stored without a marker, so that the next read reads its members.
func TestSettledGroupMarker(t *testing.T) {
	t.Parallel()
	date := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	mk := okta.GroupMarkers{Date: date, MembershipUpdated: map[string]string{
		"old": "2026-01-02T03:04:03.000Z", "edge": "2026-01-02T03:04:04.000Z", "same": "2026-01-02T03:04:05.000Z",
		"later": "2026-01-02T03:04:09.000Z", "empty": ""}}
	for gid, want := range map[string]string{"old": "2026-01-02T03:04:03.000Z", "edge": "", "same": "", "later": "", "empty": "", "missing": ""} {
		if got := SettledGroupMarker(mk, gid); got != want {
			t.Errorf("SettledGroupMarker(%s) = %q, want %q", gid, got, want)
		}
	}
}

// The users modified since the last read are read from the latest stamp less the margin when that stamp
// was within the margin of Salesforce's clock at the read, even when the marker did not move.
func TestUsersSince(t *testing.T) {
	t.Parallel()
	read := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	stamp := func(t time.Time) string { return t.Format("2006-01-02T15:04:05.000+0000") }
	recent := salesforce.Marker{Count: 3, Max: stamp(read.Add(-10 * time.Second)), AtMax: 1}
	old := salesforce.Marker{Count: 3, Max: stamp(read.Add(-time.Hour)), AtMax: 1}
	moved := salesforce.Marker{Count: 4, Max: stamp(read), AtMax: 1}
	ahead := salesforce.Marker{Count: 3, Max: stamp(read.Add(10 * time.Minute)), AtMax: 1}
	for _, tc := range []struct {
		name       string
		prior, now salesforce.Marker
		date       time.Time
		want       time.Time
		read       bool
	}{
		{"recent, unmoved", recent, recent, read, read.Add(-10*time.Second - SalesforceSettleMargin), true},
		{"recent, moved", recent, moved, read, read.Add(-10*time.Second - SalesforceSettleMargin), true},
		{"settled, unmoved", old, old, read, time.Time{}, false},
		{"settled, moved", old, moved, read, read.Add(-time.Hour), true},
		{"no date", old, old, time.Time{}, read.Add(-time.Hour - SalesforceSettleMargin), true},
		{"stamp ahead of the clock", ahead, ahead, read, time.Unix(0, 0), true},
	} {
		since, ok := UsersSince(tc.prior, tc.date, tc.now)
		if ok != tc.read || (ok && !since.Equal(tc.want)) {
			t.Errorf("%s: UsersSince = %s, %v; want %s, %v", tc.name, since, ok, tc.want, tc.read)
		}
	}
}

// A record packs to JSON the framework accepts and reads back; no record, {} and garbage read as none.
func TestPackUnpack(t *testing.T) {
	t.Parallel()
	type rec struct{ Names []string }
	var back rec
	if !Unpack(Pack(rec{Names: []string{"a", "b"}}), &back) || len(back.Names) != 2 {
		t.Errorf("a packed record did not read back: %+v", back)
	}
	var plain rec
	if !Unpack([]byte(`{"Names":["x"]}`), &plain) || len(plain.Names) != 1 {
		t.Errorf("a plain JSON record (an earlier version's) did not read: %+v", plain)
	}
	for _, raw := range [][]byte{nil, Pack(nil), []byte(`{"gzip":"not base64"}`)} {
		var none rec
		if Unpack(raw, &none) && len(none.Names) > 0 {
			t.Errorf("%q read as a record: %+v", raw, none)
		}
	}
}

// A row is settled once Salesforce's clock is past the second of its stamp by the commit allowance.
func TestSettledRow(t *testing.T) {
	t.Parallel()
	stamp := time.Date(2026, 1, 2, 3, 4, 5, 700*int(time.Millisecond), time.UTC)
	for _, tc := range []struct {
		after time.Duration // date − stamp
		want  bool
	}{{0, false}, {time.Second, false}, {1300 * time.Millisecond, true}, {time.Hour, true}, {-time.Minute, false}} {
		if got := SettledRow(stamp, stamp.Add(tc.after)); got != tc.want {
			t.Errorf("SettledRow(stamp, stamp+%s) = %v, want %v", tc.after, got, tc.want)
		}
	}
}
