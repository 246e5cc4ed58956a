package records

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// opKind names a queued write.
type opKind int

const (
	opStart opKind = iota
	opComplete
	opHeartbeat
	opBarrier
)

func (k opKind) String() string {
	switch k {
	case opStart:
		return "start"
	case opComplete:
		return "complete"
	case opHeartbeat:
		return "heartbeat"
	}
	return "barrier"
}

// op is one queued write.
type op struct {
	kind    opKind
	rec     Record
	at      time.Time     // heartbeat time
	barrier chan struct{} // closed once the writes before it are done
}

// openTries is how many attempts a write gets while the store is open
// before it is saved to the unsaved file, so that one write that can never
// succeed does not hold up the others (about a minute and a half with the
// default back-off).
const openTries = 20

// write is the writer goroutine: it commits the queue in batches until the
// queue is closed and drained.
func (s *Store) write() {
	defer close(s.done)
	batch := make([]op, 0, s.o.batch)
	for first := range s.q {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < s.o.batch && first.kind != opBarrier {
			select {
			case o, ok := <-s.q:
				if !ok {
					break fill
				}
				batch = append(batch, o)
				if o.kind == opBarrier {
					break fill
				}
			default:
				break fill
			}
		}
		s.commit(batch)
	}
}

// commit writes batch (ending with at most one barrier) in one
// transaction; when that fails it writes each op alone, with retries.
func (s *Store) commit(batch []op) {
	var barrier chan struct{}
	if last := batch[len(batch)-1]; last.kind == opBarrier {
		barrier, batch = last.barrier, batch[:len(batch)-1]
	}
	if len(batch) > 0 {
		if err := s.exec(batch); err != nil {
			s.retries.Add(1)
			s.o.logger.Warn("records: write failed; retrying each record alone", "writes", len(batch), "err", err)
			for _, o := range batch {
				s.retry(o)
			}
		}
	}
	if barrier != nil {
		close(barrier)
	}
}

// retry writes o until it succeeds, backing off between attempts; after
// openTries attempts (closeTries once the store is closing) it saves o to
// the unsaved file.
func (s *Store) retry(o op) {
	backoff := s.o.minBackoff
	closingTries := 0
	for attempt := 1; ; attempt++ {
		err := s.exec([]op{o})
		if err == nil {
			return
		}
		closing := s.isClosing()
		if closing {
			closingTries++
		}
		if attempt >= openTries || (closing && closingTries >= s.o.closeTries) {
			s.giveUp(o, err)
			return
		}
		s.retries.Add(1)
		s.o.logger.Warn("records: write failed; retrying", "op", o.kind.String(), "call_id", o.rec.ID,
			"attempt", attempt, "retry_in", backoff.String(), "err", err)
		s.wait(backoff, closing)
		backoff = min(2*backoff, s.o.maxBackoff)
	}
}

func (s *Store) isClosing() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// wait sleeps d, or the minimum back-off once the store is closing.
func (s *Store) wait(d time.Duration, closing bool) {
	if closing {
		d = s.o.minBackoff
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.closing:
		if !closing {
			t.Reset(s.o.minBackoff)
			<-t.C
		}
	}
}

// exec runs ops in one transaction.
func (s *Store) exec(ops []op) (err error) {
	began := time.Now()
	defer func() {
		if s.o.observe != nil {
			for _, o := range ops {
				s.o.observe(o.kind.String(), time.Since(began), err)
			}
		}
		if err == nil {
			s.written.Add(uint64(len(ops)))
		}
	}()
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, o := range ops {
		if s.fault != nil {
			if err := s.fault(o.kind); err != nil {
				return err
			}
		}
		if err := execOp(ctx, tx, o); err != nil {
			return fmt.Errorf("%s %s: %w", o.kind, o.rec.ID, err)
		}
	}
	return tx.Commit()
}

// execOp runs one write in tx.
func execOp(ctx context.Context, tx *sql.Tx, o op) error {
	switch o.kind {
	case opStart:
		return insertCall(ctx, tx, o.rec, false)
	case opComplete:
		if err := insertCall(ctx, tx, o.rec, true); err != nil {
			return err
		}
		return replaceDetails(ctx, tx, o.rec)
	case opHeartbeat:
		_, err := tx.ExecContext(ctx, `UPDATE calls SET seen_at = ? WHERE status = ?`, o.at.UnixMilli(), StatusLive)
		return err
	}
	return nil
}

// insertCall writes the call's row: a new row only (start), or a new or
// replaced one (complete).
func insertCall(ctx context.Context, tx *sql.Tx, r Record, replace bool) error {
	params, err := json.Marshal(r.Params)
	if err != nil {
		return err
	}
	if r.Params == nil {
		params = []byte(`{}`)
	}
	var ended any
	seen := r.StartedAt.UnixMilli()
	if !r.EndedAt.IsZero() {
		ended = r.EndedAt.UnixMilli()
		seen = r.EndedAt.UnixMilli()
	}
	conflict := `ON CONFLICT (id) DO NOTHING`
	if replace {
		conflict = `ON CONFLICT (id) DO UPDATE SET status = excluded.status, language = excluded.language,
			channel = excluded.channel, direction = excluded.direction, from_addr = excluded.from_addr,
			to_addr = excluded.to_addr, codec = excluded.codec, started_at = excluded.started_at,
			ended_at = excluded.ended_at, duration_ms = excluded.duration_ms, end_reason = excluded.end_reason,
			recording = excluded.recording, recording_file = excluded.recording_file, qa = excluded.qa,
			params = excluded.params, seen_at = excluded.seen_at`
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO calls (id, status, language, channel, direction, from_addr, to_addr,
		codec, started_at, ended_at, duration_ms, end_reason, recording, recording_file, qa, params, seen_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) `+conflict,
		r.ID, r.Status, r.Language, r.Channel, r.Direction, r.From, r.To, r.Codec, r.StartedAt.UnixMilli(),
		ended, r.DurationMS, r.EndReason, r.Recording, r.RecordingFile, string(r.QA), string(params), seen)
	return err
}

// replaceDetails replaces the call's turns and events.
func replaceDetails(ctx context.Context, tx *sql.Tx, r Record) error {
	for _, q := range []string{`DELETE FROM turns WHERE call_id = ?`, `DELETE FROM events WHERE call_id = ?`} {
		if _, err := tx.ExecContext(ctx, q, r.ID); err != nil {
			return err
		}
	}
	if len(r.Turns) > 0 {
		st, err := tx.PrepareContext(ctx, `INSERT INTO turns (call_id, seq, speaker, text, dtmf, start_ms, end_ms,
			interrupted, heard, intent, confidence, slots) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for i, t := range r.Turns {
			slots := ""
			if len(t.Slots) > 0 {
				b, err := json.Marshal(t.Slots)
				if err != nil {
					return err
				}
				slots = string(b)
			}
			if _, err := st.ExecContext(ctx, r.ID, i, t.Speaker, t.Text, t.DTMF, t.StartMS, t.EndMS,
				t.Interrupted, t.Heard, t.Intent, t.Confidence, slots); err != nil {
				return err
			}
		}
	}
	if len(r.Events) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO events (call_id, seq, type, at_ms, data) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for i, e := range r.Events {
		data := ""
		if len(e.Data) > 0 {
			b, err := json.Marshal(e.Data)
			if err != nil {
				return fmt.Errorf("event %d (%s): %w", i, e.Type, err)
			}
			data = string(b)
		}
		if _, err := st.ExecContext(ctx, r.ID, i, e.Type, e.AtMS, data); err != nil {
			return err
		}
	}
	return nil
}
