-- Prioritizer schema: tenants, agents, sessions, resources, per-session state, access log, runs.
-- Every tenant table is keyed org_id first (ready for distribution by org_id) and protected by
-- row-level security, enabled and forced, keyed on the transaction's organization setting.

CREATE SCHEMA IF NOT EXISTS prioritizer;

CREATE TABLE prioritizer.organizations (
    org_id      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE prioritizer.agents (
    org_id      uuid NOT NULL REFERENCES prioritizer.organizations (org_id),
    agent_id    uuid NOT NULL DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    role        text NOT NULL CHECK (role IN ('admin', 'agent', 'reader')),
    -- SHA-256 of the token; the token itself is shown once and never stored.
    token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    PRIMARY KEY (org_id, agent_id),
    UNIQUE (org_id, name)
);

CREATE TABLE prioritizer.sessions (
    org_id             uuid NOT NULL,
    session_id         uuid NOT NULL DEFAULT gen_random_uuid(),
    agent_id           uuid NOT NULL,
    label              text,
    budget             bigint CHECK (budget >= 0),
    half_life_s        double precision NOT NULL CHECK (half_life_s > 0),
    encoding           text NOT NULL CHECK (encoding IN ('o200k_base', 'cl100k_base')),
    parent_session_id  uuid,
    created_at         timestamptz NOT NULL DEFAULT now(),
    closed_at          timestamptz,
    PRIMARY KEY (org_id, session_id),
    FOREIGN KEY (org_id, agent_id) REFERENCES prioritizer.agents (org_id, agent_id),
    FOREIGN KEY (org_id, parent_session_id) REFERENCES prioritizer.sessions (org_id, session_id)
);
CREATE INDEX sessions_by_created ON prioritizer.sessions (org_id, created_at DESC);

CREATE TABLE prioritizer.resources (
    org_id          uuid NOT NULL REFERENCES prioritizer.organizations (org_id),
    resource_id     uuid NOT NULL DEFAULT gen_random_uuid(),
    path            text NOT NULL,
    type            text NOT NULL CHECK (type IN ('CODE', 'DOCUMENTATION', 'DATA', 'RESEARCH', 'GENERATED')),
    size_bytes      bigint CHECK (size_bytes >= 0),
    -- Last known token count (o200k_base unless a session of another encoding reported it).
    token_count     bigint CHECK (token_count >= 0),
    content_sha256  bytea CHECK (length(content_sha256) = 32),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, resource_id),
    UNIQUE (org_id, path)
);

-- Per session and resource: the decayed importance sum (score valued at score_at), counts, flags.
CREATE TABLE prioritizer.session_resources (
    org_id               uuid NOT NULL,
    session_id           uuid NOT NULL,
    resource_id          uuid NOT NULL,
    score                double precision NOT NULL CHECK (score >= 0),
    score_at             timestamptz NOT NULL,
    access_count         bigint NOT NULL CHECK (access_count >= 0),
    view_count           bigint NOT NULL DEFAULT 0,
    edit_count           bigint NOT NULL DEFAULT 0,
    execute_count        bigint NOT NULL DEFAULT 0,
    reference_count      bigint NOT NULL DEFAULT 0,
    token_count          bigint CHECK (token_count >= 0),
    modified             boolean NOT NULL DEFAULT false,
    included_in_context  boolean NOT NULL DEFAULT false,
    first_access_at      timestamptz NOT NULL,
    last_access_at       timestamptz NOT NULL,
    PRIMARY KEY (org_id, session_id, resource_id),
    CHECK (access_count = view_count + edit_count + execute_count + reference_count),
    FOREIGN KEY (org_id, session_id) REFERENCES prioritizer.sessions (org_id, session_id),
    FOREIGN KEY (org_id, resource_id) REFERENCES prioritizer.resources (org_id, resource_id)
);
CREATE INDEX session_resources_by_resource ON prioritizer.session_resources (org_id, resource_id);

-- One row per acknowledged TRACK.
CREATE TABLE prioritizer.access_logs (
    org_id       uuid NOT NULL,
    log_id       bigint GENERATED ALWAYS AS IDENTITY,
    session_id   uuid NOT NULL,
    resource_id  uuid NOT NULL,
    agent_id     uuid NOT NULL,
    access_type  text NOT NULL CHECK (access_type IN ('VIEW', 'EDIT', 'EXECUTE', 'REFERENCE')),
    accessed_at  timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    modified     boolean NOT NULL DEFAULT false,
    size_bytes   bigint,
    token_count  bigint,
    PRIMARY KEY (org_id, log_id)
    -- No foreign keys here, by design: PostgreSQL checks them row by row, taking a row lock (and
    -- writing WAL) on the referenced row for every log row, which measured half the cost of a
    -- group commit. The only writer is the group commit, which inserts each log row in the same
    -- transaction that upserted its session resource (itself keyed to its session and resource);
    -- agent_id is an authenticated agent, and agents are revoked, never deleted. A test checks
    -- that every log row joins its session resource.
);
CREATE INDEX access_logs_by_session ON prioritizer.access_logs (org_id, session_id, accessed_at);
CREATE INDEX access_logs_by_time ON prioritizer.access_logs (org_id, accessed_at);

CREATE TABLE prioritizer.prioritization_runs (
    org_id               uuid NOT NULL,
    run_id               uuid NOT NULL DEFAULT gen_random_uuid(),
    session_id           uuid NOT NULL,
    agent_id             uuid NOT NULL,
    strategy             text NOT NULL CHECK (strategy IN ('optimal', 'density', 'greedy')),
    budget               bigint NOT NULL CHECK (budget >= 0),
    resource_budget      bigint NOT NULL,
    chosen_count         integer NOT NULL CHECK (chosen_count >= 0),
    chosen_tokens        bigint NOT NULL CHECK (chosen_tokens >= 0),
    captured_importance  double precision NOT NULL,
    total_importance     double precision NOT NULL,
    candidates           integer NOT NULL,
    duration_us          bigint NOT NULL,
    chosen_paths         text[] NOT NULL,
    evaluated_at         timestamptz NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, run_id),
    FOREIGN KEY (org_id, session_id) REFERENCES prioritizer.sessions (org_id, session_id),
    FOREIGN KEY (org_id, agent_id) REFERENCES prioritizer.agents (org_id, agent_id)
);
CREATE INDEX prioritization_runs_by_session ON prioritizer.prioritization_runs (org_id, session_id, created_at);
CREATE INDEX prioritization_runs_by_time ON prioritizer.prioritization_runs (org_id, created_at);

-- Analyst LOGIN roles and the one organization each may read. Not a tenant table: only the
-- migrating owner reads it, through prioritizer.analyst_org().
CREATE TABLE prioritizer.analyst_roles (
    role_name   name PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES prioritizer.organizations (org_id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
