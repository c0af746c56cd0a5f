-- Daily rollups of api_calls, so the analytics answer from a few thousand rows however
-- many calls were recorded. Kept by a statement-level trigger on api_calls: every INSERT
-- (or COPY) adds its new rows, grouped, in the same transaction, so the rollups never
-- disagree with what was committed; rows skipped by ON CONFLICT DO NOTHING (a retried
-- batch) are not in the transition table and are not counted twice. Deleting raw rows
-- (retention) leaves the rollups as they are; deleting a user deletes that user's
-- per-user rollups (as the user's calls stop naming them).
--
-- Two levels: all users (what an unfiltered dashboard reads) and per user (rows with a
-- user only; a user's own view reads those through the primary key). Dimensions: UTC
-- day, provider, model, source, cached, status. A key dimension (api_key_id) goes on the
-- per-user tables: add the column NOT NULL with a default, put it in the primary key,
-- and group by it in api_calls_roll_up().
--
-- Latency percentiles come from per-day histograms: api_call_latency_bucket() is exact
-- below 64 ms, then 32 buckets per power of two (at most 1/64 relative error at the
-- bucket's middle); at most 864 buckets cover the INTEGER range.

-- Concurrent writers wait until the backfill and the trigger are in place.
LOCK TABLE "api_calls" IN SHARE MODE;

CREATE TABLE "api_call_daily" (
    "day" DATE NOT NULL,
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "cached" BOOLEAN NOT NULL,
    "status" TEXT NOT NULL,
    "calls" BIGINT NOT NULL DEFAULT 0,
    "optimized_calls" BIGINT NOT NULL DEFAULT 0,
    "streamed_calls" BIGINT NOT NULL DEFAULT 0,
    "unknown_cost_calls" BIGINT NOT NULL DEFAULT 0,
    "input_tokens" BIGINT NOT NULL DEFAULT 0,
    "output_tokens" BIGINT NOT NULL DEFAULT 0,
    "tokens_saved" BIGINT NOT NULL DEFAULT 0,
    "cost_usd" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "list_cost_usd" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "latency_ms" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "api_call_daily_pkey" PRIMARY KEY ("day", "provider", "model", "source", "cached", "status")
);

CREATE TABLE "api_call_user_daily" (
    "user_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "cached" BOOLEAN NOT NULL,
    "status" TEXT NOT NULL,
    "calls" BIGINT NOT NULL DEFAULT 0,
    "optimized_calls" BIGINT NOT NULL DEFAULT 0,
    "streamed_calls" BIGINT NOT NULL DEFAULT 0,
    "unknown_cost_calls" BIGINT NOT NULL DEFAULT 0,
    "input_tokens" BIGINT NOT NULL DEFAULT 0,
    "output_tokens" BIGINT NOT NULL DEFAULT 0,
    "tokens_saved" BIGINT NOT NULL DEFAULT 0,
    "cost_usd" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "list_cost_usd" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "latency_ms" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "api_call_user_daily_pkey" PRIMARY KEY ("user_id", "day", "provider", "model", "source", "cached", "status")
);

CREATE TABLE "api_call_latency_daily" (
    "day" DATE NOT NULL,
    "provider" TEXT NOT NULL,
    "bucket" INTEGER NOT NULL,
    "calls" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "api_call_latency_daily_pkey" PRIMARY KEY ("day", "provider", "bucket")
);

CREATE TABLE "api_call_user_latency_daily" (
    "user_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "provider" TEXT NOT NULL,
    "bucket" INTEGER NOT NULL,
    "calls" BIGINT NOT NULL DEFAULT 0,

    -- calls in the index too: a user's histogram is read by an index-only scan, not from
    -- heap pages scattered over the days it was written.
    CONSTRAINT "api_call_user_latency_daily_pkey" PRIMARY KEY ("user_id", "day", "provider", "bucket") INCLUDE ("calls")
);

ALTER TABLE "api_call_user_daily" ADD CONSTRAINT "api_call_user_daily_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "api_call_user_latency_daily" ADD CONSTRAINT "api_call_user_latency_daily_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- For ms >= 64, width_bucket gives k = the number of powers of two from 64 up to ms (ms has
-- 6 + k bits): bucket = 32 k + (ms >> k), its top 6 bits. Integer work only (cheaper than
-- counting bits through text, which the embedded database does slowly).
CREATE FUNCTION api_call_latency_bucket(ms INTEGER) RETURNS INTEGER
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN ms < 64 THEN greatest(ms, 0)
              ELSE width_bucket(ms, '{64,128,256,512,1024,2048,4096,8192,16384,32768,65536,131072,262144,524288,1048576,2097152,4194304,8388608,16777216,33554432,67108864,134217728,268435456,536870912,1073741824}'::int[]) * 32
                   + (ms >> width_bucket(ms, '{64,128,256,512,1024,2048,4096,8192,16384,32768,65536,131072,262144,524288,1048576,2097152,4194304,8388608,16777216,33554432,67108864,134217728,268435456,536870912,1073741824}'::int[]))
         END
$$;

-- Rows in key order, so concurrent batches lock rollup rows in the same order (no deadlock).
CREATE FUNCTION api_calls_roll_up() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO api_call_daily AS t (day, provider, model, source, cached, status,
        calls, optimized_calls, streamed_calls, unknown_cost_calls, input_tokens, output_tokens, tokens_saved, cost_usd, list_cost_usd, latency_ms)
    SELECT (created_at AT TIME ZONE 'UTC')::date, provider, model, source, cached, status,
           count(*),
           count(*) FILTER (WHERE optimized),
           count(*) FILTER (WHERE streamed),
           count(*) FILTER (WHERE cost_usd IS NULL),
           sum(input_tokens),
           sum(output_tokens),
           sum(tokens_saved),
           coalesce(sum(cost_usd), 0),
           coalesce(sum(list_cost_usd), 0),
           sum(latency_ms)
    FROM new_calls
    GROUP BY 1, 2, 3, 4, 5, 6
    ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (day, provider, model, source, cached, status) DO UPDATE SET
      calls = t.calls + excluded.calls,
      optimized_calls = t.optimized_calls + excluded.optimized_calls,
      streamed_calls = t.streamed_calls + excluded.streamed_calls,
      unknown_cost_calls = t.unknown_cost_calls + excluded.unknown_cost_calls,
      input_tokens = t.input_tokens + excluded.input_tokens,
      output_tokens = t.output_tokens + excluded.output_tokens,
      tokens_saved = t.tokens_saved + excluded.tokens_saved,
      cost_usd = t.cost_usd + excluded.cost_usd,
      list_cost_usd = t.list_cost_usd + excluded.list_cost_usd,
      latency_ms = t.latency_ms + excluded.latency_ms;
    INSERT INTO api_call_user_daily AS t (user_id, day, provider, model, source, cached, status,
        calls, optimized_calls, streamed_calls, unknown_cost_calls, input_tokens, output_tokens, tokens_saved, cost_usd, list_cost_usd, latency_ms)
    SELECT user_id, (created_at AT TIME ZONE 'UTC')::date, provider, model, source, cached, status,
           count(*),
           count(*) FILTER (WHERE optimized),
           count(*) FILTER (WHERE streamed),
           count(*) FILTER (WHERE cost_usd IS NULL),
           sum(input_tokens),
           sum(output_tokens),
           sum(tokens_saved),
           coalesce(sum(cost_usd), 0),
           coalesce(sum(list_cost_usd), 0),
           sum(latency_ms)
    FROM new_calls
    WHERE user_id IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    ORDER BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (user_id, day, provider, model, source, cached, status) DO UPDATE SET
      calls = t.calls + excluded.calls,
      optimized_calls = t.optimized_calls + excluded.optimized_calls,
      streamed_calls = t.streamed_calls + excluded.streamed_calls,
      unknown_cost_calls = t.unknown_cost_calls + excluded.unknown_cost_calls,
      input_tokens = t.input_tokens + excluded.input_tokens,
      output_tokens = t.output_tokens + excluded.output_tokens,
      tokens_saved = t.tokens_saved + excluded.tokens_saved,
      cost_usd = t.cost_usd + excluded.cost_usd,
      list_cost_usd = t.list_cost_usd + excluded.list_cost_usd,
      latency_ms = t.latency_ms + excluded.latency_ms;
    INSERT INTO api_call_latency_daily AS t (day, provider, bucket, calls)
    SELECT (created_at AT TIME ZONE 'UTC')::date, provider, api_call_latency_bucket(latency_ms), count(*)
    FROM new_calls
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (day, provider, bucket) DO UPDATE SET calls = t.calls + excluded.calls;
    INSERT INTO api_call_user_latency_daily AS t (user_id, day, provider, bucket, calls)
    SELECT user_id, (created_at AT TIME ZONE 'UTC')::date, provider, api_call_latency_bucket(latency_ms), count(*)
    FROM new_calls
    WHERE user_id IS NOT NULL
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (user_id, day, provider, bucket) DO UPDATE SET calls = t.calls + excluded.calls;
    RETURN NULL;
END
$$;

-- The calls recorded before this migration.
INSERT INTO api_call_daily AS t (day, provider, model, source, cached, status,
    calls, optimized_calls, streamed_calls, unknown_cost_calls, input_tokens, output_tokens, tokens_saved, cost_usd, list_cost_usd, latency_ms)
SELECT (created_at AT TIME ZONE 'UTC')::date, provider, model, source, cached, status,
       count(*),
       count(*) FILTER (WHERE optimized),
       count(*) FILTER (WHERE streamed),
       count(*) FILTER (WHERE cost_usd IS NULL),
       sum(input_tokens),
       sum(output_tokens),
       sum(tokens_saved),
       coalesce(sum(cost_usd), 0),
       coalesce(sum(list_cost_usd), 0),
       sum(latency_ms)
FROM api_calls
GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO api_call_user_daily AS t (user_id, day, provider, model, source, cached, status,
    calls, optimized_calls, streamed_calls, unknown_cost_calls, input_tokens, output_tokens, tokens_saved, cost_usd, list_cost_usd, latency_ms)
SELECT user_id, (created_at AT TIME ZONE 'UTC')::date, provider, model, source, cached, status,
       count(*),
       count(*) FILTER (WHERE optimized),
       count(*) FILTER (WHERE streamed),
       count(*) FILTER (WHERE cost_usd IS NULL),
       sum(input_tokens),
       sum(output_tokens),
       sum(tokens_saved),
       coalesce(sum(cost_usd), 0),
       coalesce(sum(list_cost_usd), 0),
       sum(latency_ms)
FROM api_calls
WHERE user_id IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7;
INSERT INTO api_call_latency_daily AS t (day, provider, bucket, calls)
SELECT (created_at AT TIME ZONE 'UTC')::date, provider, api_call_latency_bucket(latency_ms), count(*)
FROM api_calls
GROUP BY 1, 2, 3;
INSERT INTO api_call_user_latency_daily AS t (user_id, day, provider, bucket, calls)
SELECT user_id, (created_at AT TIME ZONE 'UTC')::date, provider, api_call_latency_bucket(latency_ms), count(*)
FROM api_calls
WHERE user_id IS NOT NULL
GROUP BY 1, 2, 3, 4;

CREATE TRIGGER "api_calls_roll_up" AFTER INSERT ON "api_calls"
REFERENCING NEW TABLE AS new_calls
FOR EACH STATEMENT EXECUTE FUNCTION api_calls_roll_up();
