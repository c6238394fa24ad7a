"""Alembic migrations of the exchange log (run by Store.migrate and `chatbot migrate`)."""
