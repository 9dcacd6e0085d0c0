package report_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/oinkhq/oink/report"
)

// EnvTestOutput names the directory where tests leave what a person looks
// at (the report's screenshot). Default: report/testdata/out, git-ignored.
const EnvTestOutput = "OINK_TEST_OUTPUT"

// chromiumNames are the names the browser goes by on PATH.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "chrome"}

// chromium returns the browser's path, failing the test (never skipping
// it) with how to install it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatalf("no headless browser on PATH (looked for %s): install Debian's chromium with "+
		"`apt-get install -y chromium` (scripts/test does it)", strings.Join(chromiumNames, ", "))
	return ""
}

// outputDir returns where the screenshot goes: $OINK_TEST_OUTPUT, else
// testdata/out.
func outputDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(EnvTestOutput)
	if dir == "" {
		dir = filepath.Join("testdata", "out")
	}
	dir, err := filepath.Abs(dir)
	must(t, err)
	must(t, os.MkdirAll(dir, 0o755))
	return dir
}

// pageEvents records what a page did that a self-contained report must
// not: console errors, uncaught exceptions, error log entries, and every
// request.
type pageEvents struct {
	mu       sync.Mutex
	errors   []string
	requests []string
}

func (p *pageEvents) listen(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value))
			}
			p.errors = append(p.errors, "console."+string(ev.Type)+": "+strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		p.errors = append(p.errors, "exception: "+ev.ExceptionDetails.Text)
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError {
			p.errors = append(p.errors, "log: "+ev.Entry.Text+" "+ev.Entry.URL)
		}
	case *network.EventRequestWillBeSent:
		p.requests = append(p.requests, ev.Request.URL)
	}
}

func (p *pageEvents) snapshot() (errs, reqs []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errors...), append([]string(nil), p.requests...)
}

// chartPoints is what the page says about one chart.
type chartPoints struct {
	ID      string `json:"id"`
	Points  int    `json:"points"`
	Markers int    `json:"markers"`
}

const countChartsJS = `[...document.querySelectorAll('svg[data-chart]')].map(s => ({
  id: s.dataset.chart,
  points: s.querySelectorAll('[data-point]').length,
  markers: s.querySelectorAll('[data-marker]').length,
}))`

// TestHTMLInChromium opens the fixture's report from a file:// URL in
// headless Chromium: it loads with no console error and no request but its
// own, every chart has one data point per bucket and series and marks
// every route change, and a 1280×800 screenshot (report-1280x800.png) and
// one of the whole page (report-full.png) are written to $OINK_TEST_OUTPUT
// (default report/testdata/out).
func TestHTMLInChromium(t *testing.T) {
	exe := chromium(t)
	d := gatherFixture(t)
	page := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(page)
	must(t, err)
	must(t, report.HTML(f, d))
	must(t, f.Close())
	url := "file://" + page

	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	// Without these flags Chromium reaches for the network at start (updates,
	// sync, safe browsing) and, on a machine without one, stalls.
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(1280, 800))
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	var events pageEvents
	must(t, chromedp.Listen(bctx, events.listen))

	must(t, chromedp.Do(bctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(url), chromedp.WaitReady("footer")))
	charts, err := chromedp.Run(bctx, chromedp.Evaluate[[]chartPoints](countChartsJS))
	must(t, err)
	shot, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
	must(t, err)
	full, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	must(t, err)
	dir := outputDir(t)
	out := filepath.Join(dir, "report-1280x800.png")
	must(t, os.WriteFile(out, shot, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "report-full.png"), full, 0o644))
	t.Logf("screenshots of the report: %s, and the whole page in report-full.png", out)

	n := len(d.Series.Buckets)
	want := []chartPoints{{"divergence", 3 * n, len(d.Series.Markers)}, {"pairs", n, len(d.Series.Markers)}}
	if fmt.Sprint(charts) != fmt.Sprint(want) || n == 0 || len(d.Series.Markers) == 0 {
		t.Errorf("charts on the page = %+v, want %+v (one point per bucket and series, one mark per route change)", charts, want)
	}
	probeConsole(t, bctx, &events)
	errs, reqs := events.snapshot()
	if len(errs) != 1 {
		t.Errorf("the page logged errors: %q", errs[:len(errs)-1])
	}
	if len(reqs) != 1 || reqs[0] != url {
		t.Errorf("the page made requests %q, want only its own %s", reqs, url)
	}
}

// probeConsole logs an error from the page and waits until the listener
// has it: proof that a console error of the report would have been seen.
func probeConsole(t *testing.T, ctx context.Context, events *pageEvents) {
	t.Helper()
	must(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`console.error("oink-probe")`)))
	deadline := time.Now().Add(10 * time.Second)
	for {
		errs, _ := events.snapshot()
		if len(errs) > 0 && strings.Contains(errs[len(errs)-1], "oink-probe") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a console.error of the page never reached the test's listener (saw %q): it could not see the report's", errs)
		}
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
