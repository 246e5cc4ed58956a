// Package records stores call records in SQLite (modernc.org/sqlite, pure
// Go, WAL journal): the calls Parley answered, their turns, events and
// recordings, for the HTTP API (GET /api/calls) and for QA.
//
// A record is inserted when its call starts (status "live") and completed
// when it ends (status "ended"), in one transaction with its turns and
// events. Writes go through one writer goroutine fed by a bounded queue, so
// the calls never wait for the disk: Start and Complete only queue (they
// block when the queue is full, which is backpressure on the calls'
// bookkeeping goroutines, never on their audio). A write that fails is
// retried with a growing back-off and logged; when the store is closed with
// writes still failing they are saved as JSON lines beside the database
// (PATH.unsaved.jsonl) and replayed by the next Open, so a record is never
// lost silently. Calls left live by a crash are marked ended with reason
// "server_restart" when the store is next opened, ended at the last time
// the server was seen alive (Heartbeat).
//
// Reads (List, Get) run on their own connections and never wait for the
// writer (WAL readers see the last committed state).
package records
