package tfrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Run is a terraform command started in the background (for the chaos suite, which kills it mid-apply).
// Terraform and its provider plugin run in a process group of their own, so Kill ends both at once, as
// when a CI runner dies.
type Run struct {
	cmd   *exec.Cmd
	start time.Time
	out   *lockedBuffer
	done  chan struct{}
	err   error
	wall  time.Duration

	mu     sync.Mutex
	killed bool
}

// Start starts one terraform command in the workspace without waiting for it. Its combined output is kept
// (see Output) and also written to the workspace's Stdout.
func (w *Workspace) Start(ctx context.Context, args ...string) (*Run, error) {
	cmd := exec.CommandContext(ctx, "terraform", args...)
	cmd.Dir = w.Dir
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+w.cliConfig, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_INPUT=0")
	cmd.Env = append(cmd.Env, w.Env...)
	out := &lockedBuffer{}
	var sink io.Writer = out
	if w.Stdout != nil {
		sink = io.MultiWriter(out, w.Stdout)
	}
	cmd.Stdout, cmd.Stderr = sink, sink
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A cancelled context ends the whole group, not only terraform.
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	// A plugin that outlives terraform holding its output open must not keep Wait from returning.
	cmd.WaitDelay = 10 * time.Second
	r := &Run{cmd: cmd, out: out, done: make(chan struct{})}
	r.start = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("terraform %s: %w", strings.Join(args, " "), err)
	}
	go func() {
		err := cmd.Wait()
		r.wall = time.Since(r.start)
		if err != nil {
			r.err = fmt.Errorf("terraform %s: %w", strings.Join(args, " "), err)
		}
		close(r.done)
	}()
	return r, nil
}

// Kill sends SIGKILL to terraform's process group (terraform and its provider plugins) unless the command
// has already ended, and reports whether it did.
func (r *Run) Kill() bool {
	select {
	case <-r.done:
		return false
	default:
	}
	r.mu.Lock()
	r.killed = true
	r.mu.Unlock()
	return syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL) == nil
}

// Killed reports whether Kill ended the command.
func (r *Run) Killed() bool { r.mu.Lock(); defer r.mu.Unlock(); return r.killed }

// Done is closed when the command has ended.
func (r *Run) Done() <-chan struct{} { return r.done }

// Elapsed is the time since the command started.
func (r *Run) Elapsed() time.Duration { return time.Since(r.start) }

// Wait waits for the command and returns its wall time and error (an *exec.ExitError inside for a
// non-zero exit). After Kill it also waits for the rest of the process group to be gone, so that no
// plugin of a killed run still talks to the sandbox when the next one starts.
func (r *Run) Wait() (time.Duration, error) {
	<-r.done
	if r.Killed() {
		waitGroupGone(r.cmd.Process.Pid, 10*time.Second)
	}
	return r.wall, r.err
}

// Output is what the command has written to stdout and stderr so far.
func (r *Run) Output() string { return r.out.String() }

// ExitCode is the command's exit code once it has ended (-1 when a signal ended it).
func (r *Run) ExitCode() int {
	<-r.done
	var exit *exec.ExitError
	if errors.As(r.err, &exit) {
		return exit.ExitCode()
	}
	if r.err != nil {
		return -1
	}
	return 0
}

// waitGroupGone polls until no process of group pgid is left (signal 0 fails with ESRCH) or timeout.
func waitGroupGone(pgid int, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if err := syscall.Kill(-pgid, 0); errors.Is(err, syscall.ESRCH) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// lockedBuffer is a bytes.Buffer safe for the concurrent writes of stdout and stderr and reads of Output.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
