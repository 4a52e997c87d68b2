-- Fleet-wide renewal (docs/fleet.md): a certificate name shared by several
-- hosts is ordered by the one host holding its lease. `token` is the fencing
-- token: it grows with every new holder, and a commit checks it, so a holder
-- that lost its lease (paused, partitioned, killed) can never commit.
CREATE TABLE renewal_lease (
    name        text PRIMARY KEY,
    holder      text NOT NULL,
    token       bigint NOT NULL,
    acquired_at timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
