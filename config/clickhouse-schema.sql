-- flowsieve's table for ClickHouse: one row per record, written over HTTP as JSONEachRow.
-- `{db}` and `{table}` are replaced by clickhouse.database and clickhouse.table when flowsieve
-- creates it (clickhouse.create_table: true); to create it by hand, replace them yourself.
--
-- Types are those of ClickHouse 18.16 (Debian 12's clickhouse-server), the oldest server
-- flowsieve is tested against: no DateTime64, no IPv4/IPv6 types, no LowCardinality.
-- On a newer server (>= 20.x) you may prefer: `timestamp DateTime64(3, 'UTC')` instead of the
-- two timestamp columns, `IPv6` for the addresses (IPv4 mapped), `LowCardinality(String)` for
-- protocol/category/type/transport/end_reason, and `JSON`/`Object('json')` for `tls`.
--
-- ReplacingMergeTree: a batch retried after a lost answer is inserted twice, and the copies
-- (same sorting key) are merged away in the background; `SELECT ... FINAL` shows each record
-- once even before that merge.
CREATE TABLE IF NOT EXISTS {db}.{table}
(
    timestamp          DateTime,           -- the record's `timestamp`, whole seconds (UTC)
    timestamp_ms       Int64,              -- the record's `timestamp`, epoch milliseconds
    flow_id            UInt64,
    type               String,             -- flow_start | flow_interval | flow_end
    protocol           String,
    category           String,
    transport          String,
    source_ip          String,             -- the client
    source_port        UInt16,
    destination_ip     String,             -- the server
    destination_port   UInt16,
    start_ts           Int64,              -- epoch milliseconds
    end_ts             Nullable(Int64),    -- flow_end only
    end_reason         Nullable(String),   -- flow_end only
    duration           Float64,            -- seconds
    ttfb               Nullable(Float64),  -- seconds; NULL before the server sent payload
    in_bytes           UInt64,
    out_bytes          UInt64,
    in_bytes_total     UInt64,
    out_bytes_total    UInt64,
    in_packets         UInt64,
    out_packets        UInt64,
    in_packets_total   UInt64,
    out_packets_total  UInt64,
    tls                String              -- the record's `flow.tls` object as JSON text, '' if none
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(timestamp)
ORDER BY (timestamp, flow_id, type, start_ts, timestamp_ms)
