"""The run log's schema: named migrations, applied in order and recorded in ``_migrations``.

Add a migration at the end; never edit or reorder one that has shipped.
"""

from __future__ import annotations

from workbench.runlog.rollup import MIGRATION_SQL as ROLLUP_SQL

__all__ = ["MIGRATIONS"]

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "001_create_calls",
        """
        CREATE TABLE calls (
            call_id TEXT PRIMARY KEY,
            run_id TEXT NOT NULL,
            target TEXT NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            locality TEXT NOT NULL,
            started_at REAL NOT NULL,
            ttft_s REAL,
            latency_s REAL NOT NULL,
            input_tokens INTEGER,
            output_tokens INTEGER,
            tokens_estimated INTEGER NOT NULL,
            decode_tps REAL,
            cost_usd REAL,
            cost_basis TEXT NOT NULL,
            params TEXT NOT NULL,
            response TEXT NOT NULL,
            prompt TEXT,
            engine_metrics TEXT NOT NULL,
            error_type TEXT,
            error_message TEXT,
            attempts INTEGER NOT NULL,
            privacy TEXT,
            replayed INTEGER NOT NULL
        );
        CREATE INDEX calls_run ON calls(run_id);
        CREATE INDEX calls_started ON calls(started_at);
        CREATE INDEX calls_target ON calls(target);
        """,
    ),
    (
        "002_target_time_index",
        """
        DROP INDEX calls_target;
        CREATE INDEX calls_target_started ON calls(target, started_at);
        """,
    ),
    (
        "003_provenance",
        """
        ALTER TABLE calls ADD COLUMN provenance TEXT;
        ALTER TABLE calls ADD COLUMN request_hash TEXT;
        CREATE INDEX calls_request ON calls(request_hash, target, started_at);
        """,
    ),
    (
        "004_queue_and_e2e",  # the wait for a busy engine and the time from submission; NULL for older calls
        """
        ALTER TABLE calls ADD COLUMN queue_s REAL;
        ALTER TABLE calls ADD COLUMN e2e_s REAL;
        """,
    ),
    (
        "005_unsent_calls_untimed",  # a call never sent has no timings: latency_s may be NULL, and is for them
        """
        CREATE TABLE calls_005 (
            call_id TEXT PRIMARY KEY,
            run_id TEXT NOT NULL,
            target TEXT NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            locality TEXT NOT NULL,
            started_at REAL NOT NULL,
            ttft_s REAL,
            latency_s REAL,
            input_tokens INTEGER,
            output_tokens INTEGER,
            tokens_estimated INTEGER NOT NULL,
            decode_tps REAL,
            cost_usd REAL,
            cost_basis TEXT NOT NULL,
            params TEXT NOT NULL,
            response TEXT NOT NULL,
            prompt TEXT,
            engine_metrics TEXT NOT NULL,
            error_type TEXT,
            error_message TEXT,
            attempts INTEGER NOT NULL,
            privacy TEXT,
            replayed INTEGER NOT NULL,
            provenance TEXT,
            request_hash TEXT,
            queue_s REAL,
            e2e_s REAL
        );
        INSERT INTO calls_005 (call_id, run_id, target, provider, model, locality, started_at, ttft_s, latency_s,
            input_tokens, output_tokens, tokens_estimated, decode_tps, cost_usd, cost_basis, params, response, prompt,
            engine_metrics, error_type, error_message, attempts, privacy, replayed, provenance, request_hash, queue_s,
            e2e_s)
        SELECT call_id, run_id, target, provider, model, locality, started_at, ttft_s, latency_s,
            input_tokens, output_tokens, tokens_estimated, decode_tps, cost_usd, cost_basis, params, response, prompt,
            engine_metrics, error_type, error_message, attempts, privacy, replayed, provenance, request_hash, queue_s,
            e2e_s
        FROM calls ORDER BY rowid;
        DROP TABLE calls;
        ALTER TABLE calls_005 RENAME TO calls;
        UPDATE calls SET ttft_s = NULL, latency_s = NULL, decode_tps = NULL, queue_s = NULL, e2e_s = NULL
            WHERE cost_basis = 'not sent';
        CREATE INDEX calls_run ON calls(run_id);
        CREATE INDEX calls_started ON calls(started_at);
        CREATE INDEX calls_target_started ON calls(target, started_at);
        CREATE INDEX calls_request ON calls(request_hash, target, started_at);
        """,
    ),
    (
        "006_sweeps_and_grades",  # a sweep's calls by name (provenance may hold NaN, which is not JSON), grades
        """
        CREATE INDEX calls_sweep ON calls(
            CASE WHEN json_valid(provenance) THEN json_extract(provenance, '$.sweep.name') END
        );
        CREATE TABLE grades (
            call_id TEXT NOT NULL,
            grader TEXT NOT NULL,
            version TEXT NOT NULL,
            score REAL NOT NULL,
            reason TEXT NOT NULL,
            graded_at REAL NOT NULL,
            PRIMARY KEY (call_id, grader, version)
        );
        """,
    ),
    (
        "007_gateway_figures",  # what a gateway (a LiteLLM proxy) reported about a call; portable SQL, one per column
        """
        ALTER TABLE calls ADD COLUMN gateway_call_id TEXT;
        ALTER TABLE calls ADD COLUMN gateway_cost_usd REAL;
        """,
    ),
    (
        "008_judged_sweep_index",  # a sweep's judge calls by the sweep's name, found as calls_sweep finds its answers
        """
        CREATE INDEX calls_judged ON calls(
            CASE WHEN json_valid(provenance) THEN json_extract(provenance, '$.judge.sweep') END
        );
        """,
    ),
    ("009_rollup", ROLLUP_SQL),  # running totals and TTFT histograms kept by triggers (workbench.runlog.rollup)
)
"""(name, SQL) pairs; a log holding a name not listed here was migrated by a newer version."""
