-- The parts of a call's usage that providers bill at their own rates (issue 21), and how many
-- tool calls the answer made: cached input read and cache writes are part of input_tokens,
-- reasoning part of output_tokens. 0 where the provider reported none.
ALTER TABLE "api_calls"
    ADD COLUMN "cached_input_tokens" INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN "cache_write_tokens" INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN "reasoning_tokens" INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN "tool_calls" INTEGER NOT NULL DEFAULT 0;
