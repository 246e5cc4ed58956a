package records

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Query limits.
const (
	// DefaultLimit is the page size when Query.Limit is 0.
	DefaultLimit = 50
	// MaxLimit is the largest page.
	MaxLimit = 500
)

// Query selects calls, newest first.
type Query struct {
	// Limit is the page size; 0 means DefaultLimit, at most MaxLimit.
	Limit int
	// Cursor continues a listing after the last call of a previous page
	// (Page.Next); empty starts with the newest call.
	Cursor string
	// Channel keeps the calls of one channel ("sip"); empty keeps all.
	Channel string
	// Status keeps live or ended calls; empty keeps both.
	Status string
	// Since and Until keep calls started in [Since, Until); zero means
	// unbounded.
	Since, Until time.Time
	// Text keeps calls with a turn containing it (case-insensitive for
	// ASCII letters).
	Text string
}

// Page is one page of a listing.
type Page struct {
	// Calls are the calls, newest first.
	Calls []Summary `json:"calls"`
	// Next is the cursor of the next page; empty on the last page.
	Next string `json:"next,omitempty"`
}

// List returns a page of the calls q selects, newest first.
func (s *Store) List(ctx context.Context, q Query) (Page, error) {
	if q.Limit < 0 || q.Limit > MaxLimit {
		return Page{}, fmt.Errorf("%w: limit must be in [1, %d], got %d", ErrInvalid, MaxLimit, q.Limit)
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	where, args, err := q.where()
	if err != nil {
		return Page{}, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT c.id, c.status, c.language, c.channel, c.direction, c.from_addr,
		c.to_addr, c.codec, c.started_at, c.ended_at, c.duration_ms, c.end_reason, c.recording,
		(SELECT count(*) FROM turns t WHERE t.call_id = c.id)
		FROM calls c`+where+` ORDER BY c.started_at DESC, c.id DESC LIMIT ?`, append(args, q.Limit+1)...)
	if err != nil {
		return Page{}, fmt.Errorf("records: list: %w", err)
	}
	defer rows.Close()
	p := Page{Calls: []Summary{}}
	for rows.Next() {
		var c Summary
		var started int64
		var ended sql.NullInt64
		if err := rows.Scan(&c.ID, &c.Status, &c.Language, &c.Channel, &c.Direction, &c.From, &c.To, &c.Codec,
			&started, &ended, &c.DurationMS, &c.EndReason, &c.Recording, &c.TurnCount); err != nil {
			return Page{}, fmt.Errorf("records: list: %w", err)
		}
		c.StartedAt = time.UnixMilli(started).UTC()
		if ended.Valid {
			c.EndedAt = time.UnixMilli(ended.Int64).UTC()
		}
		p.Calls = append(p.Calls, c)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("records: list: %w", err)
	}
	if len(p.Calls) > q.Limit {
		p.Calls = p.Calls[:q.Limit]
		last := p.Calls[len(p.Calls)-1]
		p.Next = encodeCursor(last.StartedAt, last.ID)
	}
	return p, nil
}

// where builds the WHERE clause of q.
func (q Query) where() (string, []any, error) {
	var conds []string
	var args []any
	if q.Cursor != "" {
		at, id, err := decodeCursor(q.Cursor)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, `(c.started_at < ? OR (c.started_at = ? AND c.id < ?))`)
		args = append(args, at, at, id)
	}
	if q.Channel != "" {
		conds, args = append(conds, `c.channel = ?`), append(args, q.Channel)
	}
	if q.Status != "" {
		conds, args = append(conds, `c.status = ?`), append(args, q.Status)
	}
	if !q.Since.IsZero() {
		conds, args = append(conds, `c.started_at >= ?`), append(args, q.Since.UnixMilli())
	}
	if !q.Until.IsZero() {
		conds, args = append(conds, `c.started_at < ?`), append(args, q.Until.UnixMilli())
	}
	if q.Text != "" {
		conds = append(conds, `EXISTS (SELECT 1 FROM turns t WHERE t.call_id = c.id AND t.text LIKE ? ESCAPE '\')`)
		args = append(args, "%"+escapeLike(q.Text)+"%")
	}
	if len(conds) == 0 {
		return "", args, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// escapeLike escapes LIKE's wildcards in s.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// encodeCursor makes the opaque cursor after a call.
func encodeCursor(started time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(started.UnixMilli(), 10) + "|" + id))
}

// decodeCursor reads a cursor made by encodeCursor.
func decodeCursor(c string) (int64, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, "", fmt.Errorf("%w: malformed cursor (use the next value of a previous page)", ErrInvalid)
	}
	at, id, ok := strings.Cut(string(b), "|")
	ms, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || id == "" {
		return 0, "", fmt.Errorf("%w: malformed cursor (use the next value of a previous page)", ErrInvalid)
	}
	return ms, id, nil
}

// Get returns the record of call id, with its turns and events. It returns
// an ErrNotFound error for an unknown id.
func (s *Store) Get(ctx context.Context, id string) (Record, error) {
	var r Record
	var started int64
	var ended sql.NullInt64
	var qa, params string
	err := s.db.QueryRowContext(ctx, `SELECT id, status, language, channel, direction, from_addr, to_addr, codec,
		started_at, ended_at, duration_ms, end_reason, recording, recording_file, qa, params FROM calls WHERE id = ?`, id).
		Scan(&r.ID, &r.Status, &r.Language, &r.Channel, &r.Direction, &r.From, &r.To, &r.Codec, &started, &ended,
			&r.DurationMS, &r.EndReason, &r.Recording, &r.RecordingFile, &qa, &params)
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return Record{}, fmt.Errorf("records: get %s: %w", id, err)
	}
	r.StartedAt = time.UnixMilli(started).UTC()
	if ended.Valid {
		r.EndedAt = time.UnixMilli(ended.Int64).UTC()
	}
	r.QA = json.RawMessage(qa)
	if params != "" && params != "{}" {
		if err := json.Unmarshal([]byte(params), &r.Params); err != nil {
			return Record{}, fmt.Errorf("records: get %s: params: %w", id, err)
		}
	}
	if r.Turns, err = s.turns(ctx, id); err != nil {
		return Record{}, err
	}
	if r.Events, err = s.events(ctx, id); err != nil {
		return Record{}, err
	}
	return r, nil
}

func (s *Store) turns(ctx context.Context, id string) ([]Turn, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT speaker, text, dtmf, start_ms, end_ms, interrupted, heard, intent,
		confidence, slots FROM turns WHERE call_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("records: get %s: turns: %w", id, err)
	}
	defer rows.Close()
	out := []Turn{}
	for rows.Next() {
		var t Turn
		var slots string
		if err := rows.Scan(&t.Speaker, &t.Text, &t.DTMF, &t.StartMS, &t.EndMS, &t.Interrupted, &t.Heard,
			&t.Intent, &t.Confidence, &slots); err != nil {
			return nil, fmt.Errorf("records: get %s: turns: %w", id, err)
		}
		if slots != "" {
			if err := json.Unmarshal([]byte(slots), &t.Slots); err != nil {
				return nil, fmt.Errorf("records: get %s: turn slots: %w", id, err)
			}
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func (s *Store) events(ctx context.Context, id string) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT type, at_ms, data FROM events WHERE call_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("records: get %s: events: %w", id, err)
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var e Event
		var data string
		if err := rows.Scan(&e.Type, &e.AtMS, &data); err != nil {
			return nil, fmt.Errorf("records: get %s: events: %w", id, err)
		}
		if data != "" {
			if err := json.Unmarshal([]byte(data), &e.Data); err != nil {
				return nil, fmt.Errorf("records: get %s: event data: %w", id, err)
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
