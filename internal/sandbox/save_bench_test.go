package sandbox_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/seedgen"
)

// BenchmarkSave measures one durable save of the state file (snapshot, JSON, write, fsync, rename): what a
// write waits for, at most twice, before it is answered.
func BenchmarkSave(b *testing.B) {
	large, err := seedgen.Generate(seedgen.Options{Users: 10000, Groups: 60, FederatedShare: 0.6, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	largeSeed, err := sandbox.ParseSeed(large)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		seed *sandbox.Seed
	}{{"default seed", nil}, {"10000 users", &largeSeed}} {
		b.Run(bc.name, func(b *testing.B) {
			sb, err := sandbox.Start(sandbox.Options{Listen: "127.0.0.1:0", StatePath: filepath.Join(b.TempDir(), "state.json"), Seed: bc.seed})
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = sb.Close() }()
			for b.Loop() {
				if err := sb.Save(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWriteBurst measures one and 32 concurrent Okta group creations, in memory and with every answer
// waiting for a durable save (group commit shares saves between the writers).
func BenchmarkWriteBurst(b *testing.B) {
	for _, bc := range []struct {
		writers int
		durable bool
	}{{1, false}, {1, true}, {32, false}, {32, true}} {
		durable := bc.durable
		b.Run(fmt.Sprintf("writers=%d/durable=%v", bc.writers, durable), func(b *testing.B) {
			opts := sandbox.Options{Listen: "127.0.0.1:0"}
			if durable {
				opts.StatePath = filepath.Join(b.TempDir(), "state.json")
			}
			sb, err := sandbox.Start(opts)
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = sb.Close() }()
			info := sb.Info()
			n := 0
			for b.Loop() {
				var wg sync.WaitGroup
				for range bc.writers {
					n++
					name := fmt.Sprintf("Bench %d", n)
					wg.Add(1)
					go func() {
						defer wg.Done()
						if status, err := newGroup(info, name); err != nil || status != http.StatusOK {
							b.Errorf("create %s: %d %v", name, status, err)
						}
					}()
				}
				wg.Wait()
			}
		})
	}
}
