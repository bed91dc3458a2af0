package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
)

// providerAddress is the provider's name in TF_REATTACH_PROVIDERS, as main.go serves it.
const providerAddress = "registry.terraform.io/oktasf/oktasf"

// debugProvider is a provider process the bench starts in debug mode, one per scenario: terraform commands
// with its TF_REATTACH_PROVIDERS in their environment use it instead of starting their own, so that its
// CPU time is the provider's alone, apart from terraform's and the sandbox's.
type debugProvider struct {
	cmd      *exec.Cmd
	reattach string // the value of TF_REATTACH_PROVIDERS
	done     chan error
}

// startDebugProvider starts `binary -debug` (and -cpuprofile cpuprofile, unless empty) and waits for the
// reattach configuration it prints.
func startDebugProvider(ctx context.Context, binary, cpuprofile string, stderr io.Writer) (*debugProvider, error) {
	args := []string{"-debug"}
	if cpuprofile != "" {
		args = append(args, "-cpuprofile", cpuprofile)
	}
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Stderr = stderr
	// As Terraform without TF_LOG, the bench collects no provider logs: the provider is told to write none
	// (in debug mode it leaves its logs as the environment says).
	cmd.Env = append(os.Environ(), framework.QuietLogs(os.Environ())...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	// SIGINT is the managed debug mode's stop signal: the provider then returns from Serve (and writes its
	// CPU profile), where SIGKILL would lose the profile.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the provider in debug mode (%s -debug): %w", binary, err)
	}
	p := &debugProvider{cmd: cmd, done: make(chan error, 1)}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		found := false
		for sc.Scan() {
			if !found && strings.Contains(sc.Text(), "TF_REATTACH_PROVIDERS=") {
				found = true
				lines <- sc.Text()
			}
		}
		close(lines)
	}()
	go func() { p.done <- cmd.Wait() }()
	select {
	case line, ok := <-lines:
		if !ok {
			_ = p.stop()
			return nil, fmt.Errorf("%s -debug ended without printing TF_REATTACH_PROVIDERS", binary)
		}
		if p.reattach, err = parseReattachLine(line, cmd.Process.Pid); err != nil {
			_ = p.stop()
			return nil, err
		}
		return p, nil
	case <-time.After(30 * time.Second):
		_ = p.stop()
		return nil, fmt.Errorf("%s -debug printed no TF_REATTACH_PROVIDERS line within 30 s", binary)
	}
}

// parseReattachLine returns the TF_REATTACH_PROVIDERS value of the line the provider prints in debug mode,
// `	TF_REATTACH_PROVIDERS='{...}'` (shell-quoted), after checking that it names this provider at pid.
func parseReattachLine(line string, pid int) (string, error) {
	_, quoted, ok := strings.Cut(strings.TrimSpace(line), "TF_REATTACH_PROVIDERS=")
	if !ok || len(quoted) < 2 || quoted[0] != '\'' || quoted[len(quoted)-1] != '\'' {
		return "", fmt.Errorf("reattach line %q: want TF_REATTACH_PROVIDERS='<json>'", line)
	}
	value := strings.ReplaceAll(quoted[1:len(quoted)-1], `'"'"'`, `'`)
	var cfg map[string]struct{ Pid int }
	if err := json.Unmarshal([]byte(value), &cfg); err != nil {
		return "", fmt.Errorf("reattach line %q: %w", line, err)
	}
	got, ok := cfg[providerAddress]
	if !ok || len(cfg) != 1 {
		return "", fmt.Errorf("reattach line %q: want exactly the provider %s", line, providerAddress)
	}
	if got.Pid != pid {
		return "", fmt.Errorf("reattach line %q: pid %d, but the bench started %d", line, got.Pid, pid)
	}
	return value, nil
}

// env is the environment entry that makes terraform use this process.
func (p *debugProvider) env() string { return "TF_REATTACH_PROVIDERS=" + p.reattach }

// cpu is the process's CPU time so far; ok is false where /proc cannot say (not Linux).
func (p *debugProvider) cpu() (time.Duration, bool) {
	d, err := procCPU(p.cmd.Process.Pid)
	return d, err == nil
}

// stop ends the process with SIGINT and waits for it (SIGKILL after 10 s).
func (p *debugProvider) stop() error {
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-p.done:
		var exit *exec.ExitError
		if errors.As(err, &exit) && !exit.Exited() {
			return nil // ended by the signal
		}
		return err
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		return errors.New("the debug provider did not stop within 10 s of SIGINT; killed it")
	}
}

// userHZ is the unit of utime and stime in /proc/<pid>/stat: USER_HZ, 100 on every Linux architecture Go
// builds for (sysconf(_SC_CLK_TCK) needs cgo, which the bench does without).
const userHZ = 100

// procCPU reads the CPU time (utime + stime) of process pid from /proc/<pid>/stat.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	ticks, err := parseProcStat(string(b))
	if err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// parseProcStat returns utime + stime (fields 14 and 15, in clock ticks) of a /proc/<pid>/stat line. The
// command name, field 2, is in parentheses and may itself hold spaces and parentheses, so fields are
// counted from its last ')'.
func parseProcStat(stat string) (uint64, error) {
	end := strings.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, errors.New("no command name in parentheses")
	}
	fields := strings.Fields(stat[end+1:]) // fields[0] is field 3, the state
	if len(fields) < 13 {
		return 0, fmt.Errorf("%d fields after the command name, want at least 13", len(fields))
	}
	var total uint64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("utime/stime %q: %w", f, err)
		}
		total += n
	}
	return total, nil
}

// selfCPU is the bench process's own CPU time so far (user + system, not its children's): the sandbox's
// handling of requests, which runs in this process, and the bench's own small share.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// providerTakesCPUProfile reports whether the provider build has a -cpuprofile flag (its usage lists it).
func providerTakesCPUProfile(ctx context.Context, binary string) bool {
	out, _ := exec.CommandContext(ctx, binary, "-h").CombinedOutput()
	return strings.Contains(string(out), "-cpuprofile")
}
