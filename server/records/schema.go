package records

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations returns the schema changes, in order; migration i brings the
// schema from version i to i+1. Never edit a released migration: add one
// and raise SchemaVersion.
func migrations() []string {
	return []string{migration1}
}

// migration1 creates the calls, their turns and events.
const migration1 = `CREATE TABLE calls (
		id             TEXT PRIMARY KEY,
		status         TEXT    NOT NULL,
		language       TEXT    NOT NULL DEFAULT '',
		channel        TEXT    NOT NULL DEFAULT '',
		direction      TEXT    NOT NULL DEFAULT '',
		from_addr      TEXT    NOT NULL DEFAULT '',
		to_addr        TEXT    NOT NULL DEFAULT '',
		codec          TEXT    NOT NULL DEFAULT '',
		started_at     INTEGER NOT NULL,
		ended_at       INTEGER,
		duration_ms    INTEGER NOT NULL DEFAULT 0,
		end_reason     TEXT    NOT NULL DEFAULT '',
		recording      TEXT    NOT NULL DEFAULT '',
		recording_file TEXT    NOT NULL DEFAULT '',
		qa             TEXT    NOT NULL DEFAULT '{}',
		params         TEXT    NOT NULL DEFAULT '{}',
		seen_at        INTEGER NOT NULL
	);
	CREATE INDEX calls_by_start ON calls (started_at DESC, id DESC);
	CREATE INDEX calls_by_channel ON calls (channel, started_at DESC, id DESC);
	CREATE INDEX calls_by_status ON calls (status);
	CREATE TABLE turns (
		call_id     TEXT    NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
		seq         INTEGER NOT NULL,
		speaker     TEXT    NOT NULL,
		text        TEXT    NOT NULL DEFAULT '',
		dtmf        TEXT    NOT NULL DEFAULT '',
		start_ms    INTEGER NOT NULL DEFAULT 0,
		end_ms      INTEGER NOT NULL DEFAULT 0,
		interrupted INTEGER NOT NULL DEFAULT 0,
		heard       TEXT    NOT NULL DEFAULT '',
		intent      TEXT    NOT NULL DEFAULT '',
		confidence  REAL    NOT NULL DEFAULT 0,
		slots       TEXT    NOT NULL DEFAULT '',
		PRIMARY KEY (call_id, seq)
	) WITHOUT ROWID;
	CREATE TABLE events (
		call_id TEXT    NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
		seq     INTEGER NOT NULL,
		type    TEXT    NOT NULL,
		at_ms   INTEGER NOT NULL DEFAULT 0,
		data    TEXT    NOT NULL DEFAULT '',
		PRIMARY KEY (call_id, seq)
	) WITHOUT ROWID;`

// SchemaVersion is the schema version this package writes: the number of
// migrations.
const SchemaVersion = 1

// migrate brings the database to SchemaVersion, one transaction per
// migration. It refuses a database of a newer version and a file whose
// tables are not ours.
func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("%w: %w", ErrOpen, err)
	}
	var version int
	err := db.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&version)
	switch {
	case err == sql.ErrNoRows:
		var foreign int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table'
			AND name NOT IN ('schema_version') AND name NOT LIKE 'sqlite_%'`).Scan(&foreign); err != nil {
			return fmt.Errorf("%w: %w", ErrOpen, err)
		}
		if foreign > 0 {
			return fmt.Errorf("%w: it holds other tables and no schema version", ErrSchema)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
			return fmt.Errorf("%w: %w", ErrOpen, err)
		}
	case err != nil:
		return fmt.Errorf("%w: %w", ErrOpen, err)
	case version > SchemaVersion:
		return fmt.Errorf("%w: schema version %d is newer than this Parley's %d", ErrSchema, version, SchemaVersion)
	}
	ms := migrations()
	for v := version; v < SchemaVersion; v++ {
		if err := applyMigration(ctx, db, v, ms[v]); err != nil {
			return err
		}
	}
	return nil
}

// applyMigration runs migration v and records version v+1.
func applyMigration(ctx context.Context, db *sql.DB, v int, stmt string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%w: migration %d: %w", ErrOpen, v+1, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("%w: migration %d: %w", ErrSchema, v+1, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE schema_version SET version = ?`, v+1); err != nil {
		return fmt.Errorf("%w: migration %d: %w", ErrOpen, v+1, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%w: migration %d: %w", ErrOpen, v+1, err)
	}
	return nil
}
