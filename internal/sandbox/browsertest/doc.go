// Package browsertest proves the federation in a real browser: its tests drive the sandbox's sign-in pages in
// headless Chromium (through the DevTools protocol, with chromedp) from the Okta app link, or from Salesforce, to
// Salesforce's landing page, and take a screenshot of it. The package holds only tests.
package browsertest
