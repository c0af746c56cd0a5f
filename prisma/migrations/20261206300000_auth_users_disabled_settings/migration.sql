-- A disabled user can neither sign in nor use a token or API key; tokens issued before
-- tokens_revoked_at stay refused after the user is enabled again.
ALTER TABLE "users" ADD COLUMN "disabled_at" TIMESTAMPTZ(3),
    ADD COLUMN "tokens_revoked_at" TIMESTAMPTZ(3);

-- Values the gateway generates once and every instance on this database shares
-- (the JWT signing secret when JWT_SECRET is unset).
CREATE TABLE "gateway_settings" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "gateway_settings_pkey" PRIMARY KEY ("key")
);
