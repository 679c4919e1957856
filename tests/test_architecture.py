"""The parts import each other only along the arrows of ARCHITECTURE.md (import-linter's contracts in setup.cfg)."""
from pathlib import Path

from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports

SETUP_CFG = Path(__file__).resolve().parent.parent / "setup.cfg"


def test_every_import_contract_is_kept():
    assert lint_imports(config_filename=str(SETUP_CFG), no_cache=True) == EXIT_STATUS_SUCCESS
