package tfrun

import (
	"context"
	"strings"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// Control makes its calls as the sandbox requires of its tools (JSON, the ready line's token): the demo and
// the bench depend on it. Without the token the sandbox refuses them.
func TestControlCarriesTheSandboxToken(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.Start(sandbox.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	ctx := context.Background()
	info := sb.Info()
	ctl := Control{URL: info.ControlURL, Token: info.ControlToken}
	if err := ctl.SetLatency(ctx, 1); err != nil {
		t.Fatalf("SetLatency: %v", err)
	}
	if err := ctl.ResetStats(ctx); err != nil {
		t.Fatalf("ResetStats: %v", err)
	}
	if _, err := ctl.Stats(ctx); err != nil {
		t.Fatalf("Stats: %v", err)
	}

	anonymous := Control{URL: info.ControlURL}
	if err := anonymous.SetLatency(ctx, 2); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("SetLatency without the token: %v, want 401", err)
	}
	if err := anonymous.ResetStats(ctx); err == nil || !strings.Contains(err.Error(), "no control token") {
		t.Errorf("ResetStats without the token: %v, want the sandbox's refusal", err)
	}
}
