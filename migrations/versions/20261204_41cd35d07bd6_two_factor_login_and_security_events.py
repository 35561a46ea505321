"""two-factor login and security events

Users get an encrypted TOTP secret, the time of enabling and the last used time step (all nullable:
existing users start without two-factor login); one-time recovery codes (Argon2 hashes) and the
security event log (ASVS V7) are new tables.

Revision ID: 41cd35d07bd6
Revises: bd8ae5a06200
Create Date: 2026-12-04 18:47:16.955190

"""
from alembic import op
import sqlalchemy as sa
import crm.db


# revision identifiers, used by Alembic.
revision = '41cd35d07bd6'
down_revision = 'bd8ae5a06200'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=255), nullable=False),
    sa.Column('created_at', crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', crm.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)

    op.create_table('security_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.Enum('login_succeeded', 'login_failed', 'login_throttled', 'logout', 'password_changed', 'password_reset', 'two_factor_enabled', 'two_factor_disabled', 'two_factor_reset', 'two_factor_failed', 'recovery_code_used', 'recovery_codes_renewed', 'user_created', 'role_changed', 'user_activated', 'user_deactivated', 'export', 'gdpr_export', 'gdpr_erasure', 'api_token_created', 'api_token_revoked', name='security_event_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('target_user_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['target_user_id'], ['users.id'], name=op.f('fk_security_events_target_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_security_events_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_events'))
    )
    with op.batch_alter_table('security_events', schema=None) as batch_op:
        batch_op.create_index('ix_security_events_at', ['at'], unique=False)
        batch_op.create_index('ix_security_events_kind_at', ['kind', 'at'], unique=False)
        batch_op.create_index('ix_security_events_user_id_at', ['user_id', 'at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', crm.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret')

    with op.batch_alter_table('security_events', schema=None) as batch_op:
        batch_op.drop_index('ix_security_events_user_id_at')
        batch_op.drop_index('ix_security_events_kind_at')
        batch_op.drop_index('ix_security_events_at')

    op.drop_table('security_events')
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))

    op.drop_table('recovery_codes')
