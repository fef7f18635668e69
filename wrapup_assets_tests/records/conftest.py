"""The hour of emulator conversations that the streaming tests use, shared with the spool tests."""

from wrapup_assets_tests.records.test_streaming import conversations, labels  # noqa: F401 (fixtures)
