package browsertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/samlidp/samlidptest"
)

// chromiumNames are the names Chromium goes by on PATH: Debian's package (what .ci/run installs), Ubuntu's and
// Google's builds.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// The browser window's size; a screenshot shows at least its page area.
const viewportWidth, viewportHeight = 1280, 800

// findChromium is the path of the first Chromium on PATH, or "".
func findChromium() string {
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// startChromium starts headless Chromium for the test and returns a context of its first tab; the browser stops
// when the test ends. Without Chromium the test is skipped, except under CI (CI set), where .ci/run installs it
// and its absence is a failure.
func startChromium(t *testing.T) context.Context {
	t.Helper()
	path := findChromium()
	if path == "" {
		msg := fmt.Sprintf("no Chromium on PATH (looked for %s): install Debian's chromium package (apt-get install chromium) to run the browser tests",
			strings.Join(chromiumNames, ", "))
		if samlidptest.ToolsRequired() {
			t.Fatal(msg + "; CI installs it in .ci/run")
		}
		t.Skip(msg)
	}
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]), // headless, --disable-dev-shm-usage, …
		chromedp.ExecPath(path),
		chromedp.DisableGPU,
		chromedp.WindowSize(viewportWidth, viewportHeight),
	) // and a temporary profile, which chromedp removes once the browser and its children are gone
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox (CI containers)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)                  // its errors go to the log: t.Logf would panic after the test
	t.Cleanup(func() { _ = chromedp.Cancel(ctx); cancelAlloc() }) // Cancel waits for the browser to close
	// The first action starts the browser, which lives as long as that action's context: bound the start with a
	// timer rather than a deadline, so that a Chromium that hangs at start fails the test.
	hung := time.AfterFunc(60*time.Second, cancel)
	start := time.Now()
	err := chromedp.Do(ctx, chromedp.Navigate("about:blank"))
	if !hung.Stop() {
		err = fmt.Errorf("no answer in 60s (%v)", err)
	}
	if err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	t.Logf("started %s in %s", path, time.Since(start).Round(time.Millisecond))
	return ctx
}

// tab is one browser tab in a browser context of its own (no cookies, no Okta session of another subtest),
// driven by one (sub)test under one deadline.
type tab struct {
	t        *testing.T
	ctx      context.Context // the tab; it has no deadline, which would close the tab, not just end a step
	deadline time.Time
}

// newTab opens a tab whose steps must all end by deadline; it closes when the test ends.
func newTab(t *testing.T, browser context.Context, deadline time.Time) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // opens the tab
		t.Fatalf("open a tab: %v", err)
	}
	return &tab{t: t, ctx: ctx, deadline: deadline}
}

// step is the tab's context under the tab's deadline.
func (b *tab) step() (context.Context, context.CancelFunc) {
	return context.WithDeadline(b.ctx, b.deadline)
}

// do runs actions in the tab and fails the test, saying where the browser is and what it shows, when one fails.
func (b *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v\n%s", what, err, b.describe())
	}
}

// text is the visible text of the first element sel matches, once it is visible, with spaces collapsed.
func (b *tab) text(sel string) string {
	b.t.Helper()
	b.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("read %s: %v\n%s", sel, err, b.describe())
	}
	return strings.Join(strings.Fields(s), " ")
}

// location is the tab's URL.
func (b *tab) location() string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("read the location: %v", err)
	}
	return u
}

// describe says where the tab is and what its page says, for failure messages. It has a deadline of its own:
// the tab's may be what ran out.
func (b *tab) describe() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	u, uerr := chromedp.Run(ctx, chromedp.Location())
	body, berr := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err := errors.Join(uerr, berr); err != nil {
		return "(the page cannot be read: " + err.Error() + ")"
	}
	body = strings.Join(strings.Fields(body), " ")
	if len(body) > 600 {
		body = body[:600] + "…"
	}
	return fmt.Sprintf("the browser is at %s, showing: %q", u, body)
}

// screenshot takes a full-page PNG of the tab, checks that it is an image of at least the viewport's size that
// shows something (more than one colour), writes it to $SCREENSHOT_DIR (else a temporary directory) as name and
// returns its path.
func (b *tab) screenshot(name string) string {
	t := b.t
	t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	png64, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	img, err := png.Decode(bytes.NewReader(png64))
	if err != nil {
		t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	// The whole page, at least the viewport: the window less the browser's own bars.
	page, err := chromedp.Run(ctx, chromedp.Evaluate[[2]int](`[Math.max(window.innerWidth, document.documentElement.scrollWidth),
		Math.max(window.innerHeight, document.documentElement.scrollHeight)]`))
	if err != nil {
		t.Fatalf("read the page's size: %v", err)
	}
	bounds := img.Bounds()
	if w, h := bounds.Dx(), bounds.Dy(); w != page[0] || h != page[1] || w < viewportWidth/2 || h < viewportHeight/2 {
		t.Errorf("screenshot %s is %d×%d pixels, want the whole page, %d×%d, in a %d×%d window", name, w, h, page[0], page[1], viewportWidth, viewportHeight)
	}
	if colours := distinctColours(img, 2); colours < 2 {
		t.Errorf("screenshot %s is one colour: the page rendered nothing", name)
	}
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("SCREENSHOT_DIR: %v", err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png64, 0o644); err != nil {
		t.Fatalf("write the screenshot: %v", err)
	}
	t.Logf("screenshot of %s (%d×%d, %d bytes): %s", b.location(), bounds.Dx(), bounds.Dy(), len(png64), path)
	return path
}

// distinctColours counts the image's colours, stopping at limit.
func distinctColours(img image.Image, limit int) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}
