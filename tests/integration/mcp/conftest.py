from tests.integration.ledger.fixtures import env, market_db, market_store, prices  # noqa: F401
