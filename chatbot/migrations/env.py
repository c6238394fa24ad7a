"""Alembic environment: migrate the connection Store.migrate hands over, or CHATBOT_DATABASE_URL.

Store.migrate runs this inside its own transaction, holding the migration lock. Run by hand
(`alembic -c chatbot/migrations/alembic.ini revision --autogenerate -m "..."` to write a new
migration), it connects to the database the settings name.
"""

from alembic import context

from chatbot.store import metadata

connection = context.config.attributes.get("connection")

if connection is not None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    from chatbot import config
    from chatbot.store import Store

    url = config.load()["DATABASE_URL"]
    if not url:
        raise SystemExit("set CHATBOT_DATABASE_URL to the database to compare against")
    with Store(url).engine.connect() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
