"""Alembic environment: the database of the app's .ini (and TOKENSITE_DATABASE_URL)."""
from alembic import context
from pyramid.paster import get_appsettings, setup_logging

from tokensite.models import get_engine
from tokensite.models.meta import Base
from tokensite.settings import apply_environment

config = context.config
if config.config_file_name and config.attributes.get("configure_logging", True):
    setup_logging(config.config_file_name)

target_metadata = Base.metadata


def app_settings() -> dict:
    """The app's database settings; a caller may pass ``sqlalchemy.url`` in ``attributes`` instead."""
    if "sqlalchemy.url" in config.attributes:
        return {"sqlalchemy.url": config.attributes["sqlalchemy.url"]}
    return apply_environment(get_appsettings(config.config_file_name, name="main"))


def run_migrations_offline():
    context.configure(url=app_settings()["sqlalchemy.url"], target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    engine = get_engine(app_settings())
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
