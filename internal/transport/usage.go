package transport

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Salesforce gives each org one rolling 24-hour allocation of API requests, shared by every integration of
// the org, and reports it on each API response as Sforce-Limit-Info: api-usage=used/max. When it runs out
// the org's other integrations fail too, so the stack will not be what spends the last of it: from
// usageWarnAt it logs a warning (once), and from usageStopAt it sends no further API requests. Pacing would
// not help: the allocation frees up over hours, not seconds.
const (
	usageWarnAt = 0.90
	usageStopAt = 0.98
)

// Usage levels, in the order they are crossed.
const (
	usageNormal = iota
	usageWarned
	usageStopped
)

// apiUsage is the latest Sforce-Limit-Info api-usage and the highest level it has reached. The level only
// rises: once stopped, no API request goes out to report a lower count, and a provider run is short next to
// the 24-hour window.
type apiUsage struct {
	mu        sync.Mutex
	used, max int
	level     int
}

// APIUsageError is a Salesforce API request the stack did not send because the org's daily API
// allocation is nearly spent. (http.Client wraps it in a *url.Error that names the request.)
type APIUsageError struct {
	Used, Max int
}

func (e *APIUsageError) Error() string {
	return fmt.Sprintf("not sent: the Salesforce org has used %d of its %d daily API requests (%d%%), and the provider "+
		"stops at %d%% so that the org's other integrations keep the rest. Run again when usage has dropped (a rolling "+
		"24-hour count: Setup > Company Information > API Requests, Last 24 Hours), or ask Salesforce for a larger allocation",
		e.Used, e.Max, percent(e.Used, e.Max), int(usageStopAt*100))
}

// Unwrap makes errors.Is(err, ErrRateLimited) hold.
func (e *APIUsageError) Unwrap() error { return ErrRateLimited }

func percent(used, max int) int {
	if max <= 0 {
		return 0
	}
	return used * 100 / max
}

func usageLevel(used, max int) int {
	switch {
	case max <= 0:
		return usageNormal
	case float64(used) >= usageStopAt*float64(max):
		return usageStopped
	case float64(used) >= usageWarnAt*float64(max):
		return usageWarned
	}
	return usageNormal
}

// observe records one api-usage value and logs a warning when it crosses a threshold for the first time.
func (u *apiUsage) observe(ctx context.Context, used, max int) {
	level := usageLevel(used, max)
	u.mu.Lock()
	u.used, u.max = used, max
	crossed := level > u.level
	if crossed {
		u.level = level
	}
	u.mu.Unlock()
	if !crossed {
		return
	}
	fields := map[string]any{"service": ServiceSalesforce, "api_usage": used, "api_limit": max, "percent": percent(used, max)}
	if level == usageStopped {
		fields["threshold_percent"] = int(usageStopAt * 100)
		tflog.Warn(ctx, "Salesforce org's daily API allocation is nearly spent; no further Salesforce API requests are sent", fields)
		return
	}
	fields["threshold_percent"] = int(usageWarnAt * 100)
	tflog.Warn(ctx, "Salesforce org has used most of its daily API allocation", fields)
}

// refuse returns an *APIUsageError once usage has reached usageStopAt; token requests, which do not count
// against the allocation, still go out.
func (u *apiUsage) refuse(req *http.Request) error {
	u.mu.Lock()
	level, used, max := u.level, u.used, u.max
	u.mu.Unlock()
	if level < usageStopped || tokenPath.MatchString(req.URL.Path) {
		return nil
	}
	return &APIUsageError{Used: used, Max: max}
}

// SalesforceUsage is the latest Sforce-Limit-Info api-usage seen (0, 0 before any).
func (t *Transport) SalesforceUsage() (used, max int) {
	t.usage.mu.Lock()
	defer t.usage.mu.Unlock()
	return t.usage.used, t.usage.max
}
