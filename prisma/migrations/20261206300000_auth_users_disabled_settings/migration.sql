-- A disabled user can neither sign in nor use a token or API key. Tokens carry the
-- session_version they were issued under; disabling bumps it, so tokens issued before stay
-- refused after the user is enabled again.
ALTER TABLE "users" ADD COLUMN "disabled_at" TIMESTAMPTZ(3),
    ADD COLUMN "session_version" INTEGER NOT NULL DEFAULT 0;

-- Values the gateway generates once and every instance on this database shares
-- (the JWT signing secret when JWT_SECRET is unset).
CREATE TABLE "gateway_settings" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "gateway_settings_pkey" PRIMARY KEY ("key")
);
