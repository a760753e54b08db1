"""review fixes: sponsor viewer scope, report issue time, retention indexes

sponsor_viewers.club_id: the club a sponsor account sees. Existing bindings are scoped to
the viewer account's club: a club admin could bind one to a platform-wide sponsor and it
then read every club's plays (the tenant leak this closes). A platform admin re-binds the
few that must see every club.

ix_heartbeats_received / ix_login_attempts_at: the retention job deletes by age (the
login throttle's (email, at) and (address, at) indexes exist since 0001).

chain_states.first_seq / gap_since: a chain starts at its device's first seen seq (a
re-enrolled device continues an old chain); a gap is alerted once it is old enough.

Revision ID: 0200_review_fixes
Revises: 0100_analytics
Create Date: 2026-11-25 10:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cloud_api.db.base

revision = "0200_review_fixes"
down_revision = "0100_analytics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sponsor_viewers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("club_id", sa.String(length=32), nullable=True))
    op.execute(
        "UPDATE sponsor_viewers SET club_id = "
        "(SELECT users.club_id FROM users WHERE users.id = sponsor_viewers.user_id)"
    )
    with op.batch_alter_table("chain_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_seq", sa.BigInteger(), server_default="1", nullable=False))
        batch_op.add_column(
            sa.Column("gap_since", cloud_api.db.base.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE chain_states SET gap_since = updated_at WHERE max_seq > seen")
    with op.batch_alter_table("heartbeats", schema=None) as batch_op:
        batch_op.create_index("ix_heartbeats_received", ["received_at"], unique=False)
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_login_attempts_at", ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempts_at")
    with op.batch_alter_table("heartbeats", schema=None) as batch_op:
        batch_op.drop_index("ix_heartbeats_received")
    with op.batch_alter_table("chain_states", schema=None) as batch_op:
        batch_op.drop_column("gap_since")
        batch_op.drop_column("first_seq")
    with op.batch_alter_table("sponsor_viewers", schema=None) as batch_op:
        batch_op.drop_column("club_id")
