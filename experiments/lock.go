package experiments

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// A run lock keeps two processes from working on the same run directory and
// shard at once (two Slurm tasks given the same shard, a manual re-run while
// a job still runs): both would train the same seeds, and the second one's
// work would be wasted.
//
// The lock is flock(2) on a file in the run directory (Layout.LockPath),
// which the kernel releases when the holder exits for any reason, kill -9
// included; so a lock left by a dead process is free and the next process
// simply takes it over. The file also records who holds it (host, pid, start
// time, command line), for the refusal message and to say whose lock was
// taken over. On a clean release the record is emptied; a record found in a
// lock that could be taken therefore names a holder that died.
//
// NFS: Linux emulates flock on NFS with byte-range locks through the NFS
// lock manager (NLM for v3, built into v4), so the lock works between hosts
// as long as the mount has working locking. A mount with `nolock` or
// `local_lock=flock|all` keeps the locks on each client: two hosts could
// then both take the lock. That case cannot be told from a holder that died
// on another host, so taking over a record from another host prints a
// warning naming it (see LockTakeover). After an NFS client crash its lock
// is released when its lease expires (NFSv4: 90 s by default).

// LockHolder is the record of the process that holds (or last held) a run
// lock.
type LockHolder struct {
	Host      string    `json:"host"`
	PID       int       `json:"pid"`
	StartedAt time.Time `json:"started_at"`
	Args      []string  `json:"args,omitempty"`
}

func (h LockHolder) String() string {
	return fmt.Sprintf("host %s pid %d (since %s)", h.Host, h.PID, h.StartedAt.Local().Format(time.DateTime))
}

// LockedError is returned when another process holds the lock. Holder is
// nil when the holder's record could not be read (it had not written it
// yet, or the file is damaged).
type LockedError struct {
	Path   string
	Holder *LockHolder
}

func (e *LockedError) Error() string {
	who := "another process (no holder record)"
	if e.Holder != nil {
		who = e.Holder.String()
	}
	return fmt.Sprintf("%s is in use by %s: another process is working on this run directory and shard; "+
		"wait for it to finish or stop it (a lock left by a process that died is taken over automatically)", e.Path, who)
}

// LockTakeover describes the record of a previous holder found in a lock
// that was free: that process ended without releasing the lock (killed,
// crashed, machine rebooted).
type LockTakeover struct {
	Previous LockHolder
	// SameHost is true when the previous holder ran on this host; then
	// Alive tells whether a process with its pid exists now (a reused pid:
	// it does not hold the lock, or the lock could not have been taken).
	SameHost, Alive bool
}

func (t *LockTakeover) String() string {
	p := t.Previous
	switch {
	case t.SameHost && !t.Alive:
		return fmt.Sprintf("took over the stale lock of %s: that process is gone", p)
	case t.SameHost:
		return fmt.Sprintf("took over the stale lock of %s: that process released the lock without clearing it (the pid now belongs to another process)", p)
	}
	return fmt.Sprintf("took over the lock last held by %s, another host, that did not release it: if that process still runs, "+
		"this file system does not share locks between hosts (NFS mounted with nolock or local_lock?) and you must stop one of the two", p)
}

// RunLock is a held run lock. Release it when done; the kernel releases it
// if the process dies first.
type RunLock struct {
	f    *os.File
	path string
}

// lockReadTries bounds how long a refused process waits for the holder's
// record: the holder writes it right after taking the lock.
const lockReadTries = 20

// AcquireLock takes the lock file at path (creating it and its directory),
// without waiting. It returns a *LockedError when another process holds
// it, and a non-nil *LockTakeover when the lock was free but still named a
// holder that did not release it. args is recorded in the holder record.
func AcquireLock(path string, args []string) (*RunLock, *LockTakeover, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, err
	}
	if err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, nil, fmt.Errorf("locking %s: %w", path, err)
		}
		return nil, nil, &LockedError{Path: path, Holder: readHolder(path, lockReadTries)}
	}
	takeover := previousHolder(path)
	l := &RunLock{f: f, path: path}
	if err := l.writeRecord(args); err != nil {
		l.Release()
		return nil, nil, err
	}
	return l, takeover, nil
}

// flock is syscall.Flock retried on EINTR.
func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// previousHolder reads the record left in a lock that was just taken, if
// any, and checks on this host whether that process still exists.
func previousHolder(path string) *LockTakeover {
	prev := readHolder(path, 1)
	if prev == nil {
		return nil
	}
	t := &LockTakeover{Previous: *prev}
	if host, _ := os.Hostname(); host == prev.Host {
		t.SameHost = true
		t.Alive = processExists(prev.PID)
	}
	return t
}

// processExists reports whether a process with this pid exists on this
// host (signal 0 checks without signalling; EPERM means it exists but
// belongs to another user).
func processExists(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// readHolder reads the holder record, trying up to tries times 5 ms apart
// while the file is empty or partly written. It returns nil if there is no
// complete record.
func readHolder(path string, tries int) *LockHolder {
	for i := 0; i < tries; i++ {
		if i > 0 {
			time.Sleep(5 * time.Millisecond)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		var h LockHolder
		if len(b) > 0 && json.Unmarshal(b, &h) == nil && h.PID > 0 {
			return &h
		}
	}
	return nil
}

// writeRecord replaces the file's content with this process's record. It
// is written in place (the lock is on this inode; a rename would drop it).
func (l *RunLock) writeRecord(args []string) error {
	host, _ := os.Hostname()
	b, err := json.Marshal(LockHolder{Host: host, PID: os.Getpid(), StartedAt: time.Now().UTC(), Args: args})
	if err != nil {
		return err
	}
	if err := l.f.Truncate(0); err != nil {
		return fmt.Errorf("writing %s: %w", l.path, err)
	}
	if _, err := l.f.WriteAt(append(b, '\n'), 0); err != nil {
		return fmt.Errorf("writing %s: %w", l.path, err)
	}
	return nil
}

// Release empties the holder record (marking a clean release) and unlocks.
// The file is kept: removing it could let two processes lock different
// files of the same name. Release of a nil lock does nothing.
func (l *RunLock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	terr := l.f.Truncate(0)
	uerr := flock(l.f, syscall.LOCK_UN)
	cerr := l.f.Close()
	l.f = nil
	return errors.Join(terr, uerr, cerr)
}
