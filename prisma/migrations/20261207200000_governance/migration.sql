-- Virtual keys, teams and budgets (issue 24). A key belongs to a user (who it acts as) and
-- optionally to a team; a key and a team can each carry budgets in USD (per UTC day, per UTC
-- month, in total), requests and tokens per minute, concurrent requests, allowed models
-- (patterns such as openai/* or anthropic/claude-3-5-sonnet*), an expiry (keys only) and
-- tags. NULL limits mean unlimited. Enforcement is in the shared kv layer
-- (src/governance/); the database holds the settings and the spend history.

CREATE TABLE "teams" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "max_budget_usd_per_day" DOUBLE PRECISION,
    "max_budget_usd_per_month" DOUBLE PRECISION,
    "max_budget_usd_total" DOUBLE PRECISION,
    "rpm" INTEGER,
    "tpm" INTEGER,
    "max_parallel" INTEGER,
    "allowed_models" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "tags" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "alert_email" TEXT,
    "alert_webhook_url" TEXT,

    CONSTRAINT "teams_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "teams_name_key" ON "teams"("name");

ALTER TABLE "api_keys"
    ADD COLUMN "team_id" UUID,
    ADD COLUMN "max_budget_usd_per_day" DOUBLE PRECISION,
    ADD COLUMN "max_budget_usd_per_month" DOUBLE PRECISION,
    ADD COLUMN "max_budget_usd_total" DOUBLE PRECISION,
    ADD COLUMN "rpm" INTEGER,
    ADD COLUMN "tpm" INTEGER,
    ADD COLUMN "max_parallel" INTEGER,
    ADD COLUMN "allowed_models" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    ADD COLUMN "expires_at" TIMESTAMPTZ(3),
    ADD COLUMN "tags" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    ADD COLUMN "alert_email" TEXT,
    ADD COLUMN "alert_webhook_url" TEXT;
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE SET NULL ON UPDATE CASCADE;
CREATE INDEX "api_keys_team_id_idx" ON "api_keys"("team_id");

-- Which key and team a call was made with. No foreign keys: the history outlives them.
ALTER TABLE "api_calls" ADD COLUMN "api_key_id" UUID, ADD COLUMN "team_id" UUID;

-- Spend per key and per team per UTC day, kept by a trigger of its own beside
-- api_calls_roll_up (same rules: statement-level, transition table, in the transaction).
CREATE TABLE "api_call_spend_daily" (
    "scope" TEXT NOT NULL,
    "scope_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "calls" BIGINT NOT NULL DEFAULT 0,
    "cached_calls" BIGINT NOT NULL DEFAULT 0,
    "error_calls" BIGINT NOT NULL DEFAULT 0,
    "unknown_cost_calls" BIGINT NOT NULL DEFAULT 0,
    "input_tokens" BIGINT NOT NULL DEFAULT 0,
    "output_tokens" BIGINT NOT NULL DEFAULT 0,
    "cost_usd" DOUBLE PRECISION NOT NULL DEFAULT 0,

    CONSTRAINT "api_call_spend_daily_pkey" PRIMARY KEY ("scope", "scope_id", "day")
);

CREATE FUNCTION api_calls_spend_roll_up() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO api_call_spend_daily AS t (scope, scope_id, day, calls, cached_calls, error_calls, unknown_cost_calls, input_tokens, output_tokens, cost_usd)
    SELECT s.scope, s.scope_id, (c.created_at AT TIME ZONE 'UTC')::date,
           count(*),
           count(*) FILTER (WHERE c.cached),
           count(*) FILTER (WHERE c.status <> 'success'),
           count(*) FILTER (WHERE c.cost_usd IS NULL),
           sum(c.input_tokens),
           sum(c.output_tokens),
           coalesce(sum(c.cost_usd), 0)
    FROM new_calls c
    CROSS JOIN LATERAL (VALUES ('key', c.api_key_id), ('team', c.team_id)) AS s(scope, scope_id)
    WHERE s.scope_id IS NOT NULL
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (scope, scope_id, day) DO UPDATE SET
      calls = t.calls + excluded.calls,
      cached_calls = t.cached_calls + excluded.cached_calls,
      error_calls = t.error_calls + excluded.error_calls,
      unknown_cost_calls = t.unknown_cost_calls + excluded.unknown_cost_calls,
      input_tokens = t.input_tokens + excluded.input_tokens,
      output_tokens = t.output_tokens + excluded.output_tokens,
      cost_usd = t.cost_usd + excluded.cost_usd;
    RETURN NULL;
END
$$;

CREATE TRIGGER api_calls_spend_roll_up AFTER INSERT ON "api_calls"
    REFERENCING NEW TABLE AS new_calls
    FOR EACH STATEMENT EXECUTE FUNCTION api_calls_spend_roll_up();

-- One alert per key or team, budget period and threshold (80 or 100 percent).
CREATE TABLE "governance_alerts" (
    "id" UUID NOT NULL,
    "scope" TEXT NOT NULL,
    "scope_id" UUID NOT NULL,
    "period" TEXT NOT NULL,
    "threshold" INTEGER NOT NULL,
    "budget_usd" DOUBLE PRECISION NOT NULL,
    "spend_usd" DOUBLE PRECISION NOT NULL,
    "email" TEXT,
    "webhook_url" TEXT,
    "delivered" BOOLEAN NOT NULL DEFAULT false,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "governance_alerts_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "governance_alerts_scope_scope_id_period_threshold_key" ON "governance_alerts"("scope", "scope_id", "period", "threshold");
