// --db FILE: spans, breakpoints and kill switches written through to SQLite (node:sqlite, built into Node 22.13+
// and 23.4+, behind --experimental-sqlite from 22.5) and loaded back at start, so traces survive a restart and
// agents that registered their breakpoints before it still find them. Memory stays the source of truth for
// reads; the file follows its evictions.
import { estimateSize } from './otlp-normalize.mjs';

export class PersistenceUnavailable extends Error {}

export async function openSqlitePersistence(file) {
  let sqlite;
  try {
    sqlite = await import('node:sqlite');
  } catch {
    throw new PersistenceUnavailable(
      `--db needs node:sqlite, which Node ${process.version} does not have. It is built into Node 22.13+ and 23.4+ ` +
        '(Node 22.5-22.12: run with node --experimental-sqlite). Without --db, traces are kept in memory only.',
    );
  }
  const db = new sqlite.DatabaseSync(file);
  db.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = NORMAL;
    CREATE TABLE IF NOT EXISTS spans (
      trace_id TEXT NOT NULL,
      span_id TEXT NOT NULL,
      received_at INTEGER NOT NULL,
      body TEXT NOT NULL,
      PRIMARY KEY (trace_id, span_id)
    );
    CREATE INDEX IF NOT EXISTS spans_received ON spans (received_at);
    CREATE TABLE IF NOT EXISTS breakpoints (id TEXT PRIMARY KEY, body TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS kill_switches (service TEXT PRIMARY KEY, enabled INTEGER NOT NULL);
  `);
  const saveBreakpoint = db.prepare('INSERT OR REPLACE INTO breakpoints (id, body) VALUES (?, ?)');
  const removeBreakpoint = db.prepare('DELETE FROM breakpoints WHERE id = ?');
  const saveKillSwitch = db.prepare('INSERT OR REPLACE INTO kill_switches (service, enabled) VALUES (?, ?)');
  const insert = db.prepare('INSERT OR REPLACE INTO spans (trace_id, span_id, received_at, body) VALUES (?, ?, ?, ?)');
  const removeTrace = db.prepare('DELETE FROM spans WHERE trace_id = ?');
  const removeAll = db.prepare('DELETE FROM spans');
  const removeOld = db.prepare('DELETE FROM spans WHERE received_at < ?');
  const selectFrom = db.prepare('SELECT body FROM spans WHERE received_at >= ? ORDER BY received_at, rowid');
  return {
    file,
    saveSpans(spans) {
      const now = Date.now();
      db.exec('BEGIN');
      try {
        for (const span of spans) {
          const { size, ...rest } = span;
          insert.run(span.traceId, span.spanId, now, JSON.stringify(rest));
        }
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        process.stderr.write(`tracekit-local: could not write spans to ${file}: ${error.message}\n`);
      }
    },
    deleteTrace(traceId) {
      removeTrace.run(traceId);
    },
    clear() {
      removeAll.run();
    },
    /** Spans received since `sinceMs`, oldest first (older rows are past retention and deleted). */
    loadSpans(sinceMs) {
      removeOld.run(Math.floor(sinceMs));
      return selectFrom.all(Math.floor(sinceMs)).map((row) => {
        const span = JSON.parse(row.body);
        span.size = estimateSize(span);
        return span;
      });
    },
    /** Follows a code-monitoring change (the snapshot store's onChange events). */
    codeMonitoringChanged(service, event, data) {
      if (event === 'breakpoint_created' || event === 'breakpoint_updated') saveBreakpoint.run(data.id, JSON.stringify(data));
      else if (event === 'breakpoint_deleted') removeBreakpoint.run(data.id);
      else if (event === 'kill_switch') saveKillSwitch.run(service, data.enabled ? 1 : 0);
    },
    loadCodeMonitoring() {
      return {
        breakpoints: db.prepare('SELECT body FROM breakpoints ORDER BY rowid').all().map((row) => JSON.parse(row.body)),
        killSwitches: db.prepare('SELECT service, enabled FROM kill_switches').all().map((row) => [row.service, row.enabled === 1]),
      };
    },
    close() {
      try {
        db.close();
      } catch {
        // already closed
      }
    },
  };
}
