-- Calls the database refused for their data (a user deleted while the call was in
-- flight, a value that cannot be stored): set aside by the recorder so the rest of
-- their batch is written. One row per call id; `record` is the call as JSON text
-- (text, not jsonb: JSON escapes keep NUL bytes and lone surrogates storable).
CREATE TABLE "api_call_dead_letters" (
    "id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "failed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "error_code" TEXT NOT NULL,
    "error" TEXT NOT NULL,
    "record" TEXT NOT NULL,

    CONSTRAINT "api_call_dead_letters_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "api_call_dead_letters_failed_at_idx" ON "api_call_dead_letters"("failed_at");
