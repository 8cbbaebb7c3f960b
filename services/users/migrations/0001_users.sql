-- Accounts. E-mails are stored as given but unique regardless of case; the password
-- column holds an argon2id PHC string, never a plain password.
CREATE TABLE users (
    id            uuid        PRIMARY KEY,
    name          text        NOT NULL
                  CONSTRAINT users_name_length CHECK (char_length(name) BETWEEN 1 AND 150),
    email         text        NOT NULL,
    password_hash text        NOT NULL,
    role          text        NOT NULL DEFAULT 'USER'
                  CONSTRAINT users_role_known CHECK (role IN ('USER', 'SELLER', 'ADMIN', 'SUPER_ADMIN')),
    is_active     boolean     NOT NULL DEFAULT true,
    birthdate     date,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- The service maps a violation of this index, by its name, to AlreadyExists.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

-- Listings sort by these, with the id as tie-breaker.
CREATE INDEX users_created_at_idx ON users (created_at, id);
CREATE INDEX users_name_idx ON users (name, id);
