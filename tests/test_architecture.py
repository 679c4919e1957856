"""The parts import each other only along the arrows of ARCHITECTURE.md (import-linter's contracts in setup.cfg)."""
import logging
from pathlib import Path

from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports

SETUP_CFG = Path(__file__).resolve().parent.parent / "setup.cfg"


def test_every_import_contract_is_kept(monkeypatch):
    # import-linter configures logging with disable_existing_loggers: the loggers of the modules
    # already imported must still speak in the tests that run after this one
    for logger in list(logging.root.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            monkeypatch.setattr(logger, "disabled", logger.disabled)
    assert lint_imports(config_filename=str(SETUP_CFG), no_cache=True) == EXIT_STATUS_SUCCESS
