"""Small helpers shared by every test folder."""

from clinic.audit.chain import chain_enabled

# On SQLite each audit row is chained to the one before it (clinic/audit/chain.py): a savepoint, a read of the
# previous hash and the savepoint's release. PostgreSQL keeps the log append-only with a trigger instead.
AUDIT_CHAIN_QUERIES = 3 if chain_enabled() else 0
