package records

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// spillLine is one write saved to the unsaved file: the record with the
// fields its JSON form leaves out.
type spillLine struct {
	Op            string `json:"op"`
	Record        Record `json:"record"`
	RecordingFile string `json:"recording_file,omitempty"`
}

// giveUp saves a write that kept failing to the unsaved file, which the
// next Open replays. When even that fails the record is logged in full, so
// that it can be recovered from the logs.
func (s *Store) giveUp(o op, cause error) {
	if o.kind != opStart && o.kind != opComplete {
		s.o.logger.Warn("records: write given up", "op", o.kind.String(), "err", cause)
		return
	}
	s.unsaved.Add(1)
	line, err := json.Marshal(spillLine{Op: o.kind.String(), Record: o.rec, RecordingFile: o.rec.RecordingFile})
	if err == nil {
		err = appendLine(s.spill, line)
	}
	if err != nil {
		s.o.logger.Error("records: call record could not be saved; it is in this log line",
			"call_id", o.rec.ID, "op", o.kind.String(), "err", cause, "spill_err", err, "record", string(line))
		return
	}
	s.o.logger.Error("records: call record could not be written to the database; saved for the next start",
		"call_id", o.rec.ID, "op", o.kind.String(), "err", cause, "file", s.spill)
}

func appendLine(path string, line []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// replaySpill writes the records a previous run saved to the unsaved file
// and removes it. A file that cannot be replayed whole is kept and logged.
func (s *Store) replaySpill(ctx context.Context) {
	f, err := os.Open(s.spill)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		s.o.logger.Error("records: cannot read the unsaved records file; records in it are not replayed", "file", s.spill, "err", err)
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 64<<20)
	n, failed := 0, 0
	for sc.Scan() {
		if err := s.replayLine(ctx, sc.Bytes()); err != nil {
			failed++
			s.o.logger.Error("records: unsaved record not replayed", "file", s.spill, "line", n+failed, "err", err)
			continue
		}
		n++
	}
	if err := sc.Err(); err != nil {
		failed++
		s.o.logger.Error("records: reading the unsaved records file", "file", s.spill, "err", err)
	}
	if failed > 0 {
		return
	}
	f.Close()
	if err := os.Remove(s.spill); err != nil {
		s.o.logger.Error("records: cannot remove the replayed unsaved records file; remove it by hand", "file", s.spill, "err", err)
		return
	}
	s.o.logger.Info("records: replayed records a previous run could not save", "records", n)
}

func (s *Store) replayLine(ctx context.Context, line []byte) error {
	var l spillLine
	if err := json.Unmarshal(line, &l); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	l.Record.RecordingFile = l.RecordingFile
	r, err := l.Record.normalized()
	if err != nil {
		return err
	}
	o := op{kind: opStart, rec: r}
	switch l.Op {
	case opStart.String():
		o.rec.Status = StatusLive
	case opComplete.String():
		o.kind, o.rec.Status = opComplete, StatusEnded
	default:
		return fmt.Errorf("%w: unknown op %q", ErrInvalid, l.Op)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := execOp(ctx, tx, o); err != nil {
		return err
	}
	return tx.Commit()
}
